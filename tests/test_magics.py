"""``%load_ext amlx_lab`` and every ``%aml`` subcommand in a real IPython ``InteractiveShell``.

Jobs are real local jobs. Most run under a bare interpreter without mlflow
(they start in well under a second); the tests that need logged metrics run
under this venv's Python. Conditions are polled with a deadline, never slept on.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import nbformat
import pandas as pd
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from traitlets.config import Config

from amlx_lab import magics
from amlx_lab.magics import SUBCOMMANDS, Aml, JobView, Rich
from amlx_lab.errors import ConflictError
from amlx_lab.records import DataAsset, Job, JobStatus, WorkspaceInfo
from amlx_lab.workspace import Workspace

BARE_PYTHON = str(Path(sys.base_prefix) / "bin" / "python3")
T = TypeVar("T")


def wait_until(condition: Callable[[], T], timeout: float = 60.0, what: str = "condition") -> T:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The notebook's folder (the kernel's working directory) with a small data file."""
    folder = tmp_path / "project"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "numbers.csv").write_text("x\n1\n2\n3\n")
    monkeypatch.chdir(folder)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    return folder


@pytest.fixture(scope="session")
def shared_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One workspace for the tests that only add jobs: the local backend creates each new
    experiment with a short-lived MLflow process (seconds), so sharing one keeps tests quick."""
    return tmp_path_factory.mktemp("shared-ws")


def _shell(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    monkeypatch.setenv("AMLX_WORKSPACE", str(workspace))
    config = Config()
    config.HistoryManager.hist_file = ":memory:"  # the kernel's history in memory, no file left behind
    ip = InteractiveShell.instance(config=config)
    ip.run_line_magic("load_ext", "amlx_lab")
    yield ip
    aml_of(ip).live.stop()
    ws = Workspace.from_environment(target="local")
    for job in ws.list_jobs(status=["Queued", "Preparing", "Starting", "Running"]).items:
        with contextlib.suppress(ConflictError):  # it may have ended since the listing
            ws.jobs().cancel(job.name)
    ws.close()
    InteractiveShell.clear_instance()


@pytest.fixture
def shell(shared_workspace: Path, project: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    """A shell on the shared workspace: tests find their own jobs by name, never by counting all."""
    yield from _shell(shared_workspace, monkeypatch)


@pytest.fixture
def fresh_shell(tmp_path: Path, project: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    """A shell on its own empty workspace ``tmp_path / "ws"`` (for settings and empty listings)."""
    yield from _shell(tmp_path / "ws", monkeypatch)


def job_count() -> int:
    return len(Workspace.from_environment().list_jobs(limit=1000).items)


def aml_of(ip: InteractiveShell) -> Aml:
    return ip.magics_manager.registry["Aml"]


def run(ip: InteractiveShell, code: str) -> Any:
    """Run a cell as the kernel does (stored in the history first) and return its value."""
    result = ip.run_cell(code, store_history=True)
    if result.error_in_exec is not None:
        raise result.error_in_exec
    return result.result


def submit_wait(ip: InteractiveShell, body: str, options: str = "") -> Job:
    job = run(ip, f"%%aml submit --python {BARE_PYTHON} --wait {options}\n{body}")
    assert isinstance(job, Job), "the submission failed; its error line is on stderr"
    return job


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def formats(ip: InteractiveShell, value: Any) -> dict[str, str]:
    return ip.display_formatter.format(value)[0]


# -- workspace, target, settings -------------------------------------------------------------------


def test_aml_workspace_returns_a_rich_record(fresh_shell: InteractiveShell, tmp_path: Path) -> None:
    info = run(fresh_shell, "%aml workspace")
    assert isinstance(info, WorkspaceInfo) and info.location == str(tmp_path / "ws")
    shown = formats(fresh_shell, info)
    assert "target:    local" in shown["text/plain"]
    assert "<table" in shown["text/html"] and str(tmp_path / "ws") in shown["text/html"]


def test_config_changes_apply_at_once(fresh_shell: InteractiveShell) -> None:
    fresh_shell.run_line_magic("config", 'Aml.target = "azure"')
    assert run(fresh_shell, "%aml workspace").target == "azure"
    fresh_shell.run_line_magic("config", "Aml.target = None")
    assert run(fresh_shell, "%aml workspace").target == "local"


def test_target_switch_applies_to_this_kernel_only(fresh_shell: InteractiveShell, tmp_path: Path) -> None:
    shown = run(fresh_shell, "%aml target")
    assert repr(shown).startswith("target: local (Local workspace), the default") and "<table" in shown._repr_html_()

    switched = run(fresh_shell, "%aml target azure")
    assert switched.value.target == "azure" and "Target set to azure for this kernel only" in repr(switched)
    assert "--save" in repr(switched), "it says how to make it the workspace's"
    assert not (tmp_path / "ws" / "settings.json").exists(), "the workspace's settings are untouched"
    assert Workspace.from_environment().config.target == "local", "other processes (server, CLI) keep theirs"
    assert run(fresh_shell, "%aml workspace").target == "azure", "applies here without a restart"
    assert "chosen for this kernel" in repr(run(fresh_shell, "%aml target"))

    run(fresh_shell, "%aml target local")
    assert run(fresh_shell, "%aml workspace").target == "local"


def test_target_save_writes_the_workspace_settings(fresh_shell: InteractiveShell, tmp_path: Path) -> None:
    run(fresh_shell, "%aml target local")  # a kernel-only choice first: saving replaces it
    saved = run(fresh_shell, "%aml target azure --save")
    assert "Target set to azure and saved in" in repr(saved)
    assert json.loads((tmp_path / "ws" / "settings.json").read_text())["target"] == "azure"
    assert Workspace.from_environment().config.target == "azure", "other processes (server, CLI) see it"
    assert run(fresh_shell, "%aml workspace").target == "azure"
    assert aml_of(fresh_shell).target is None, "this kernel follows the workspace from now on"
    assert "settings.json" in repr(run(fresh_shell, "%aml target"))


def test_target_save_keeps_an_explicit_setting_in_step(fresh_shell: InteractiveShell) -> None:
    fresh_shell.run_line_magic("config", 'Aml.target = "local"')
    run(fresh_shell, "%aml target azure --save")
    assert run(fresh_shell, "%aml workspace").target == "azure"


def test_target_notes_an_environment_variable_that_wins_elsewhere(
    fresh_shell: InteractiveShell, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AMLX_TARGET", "local")
    assert "$AMLX_TARGET" in repr(run(fresh_shell, "%aml target"))
    switched = run(fresh_shell, "%aml target azure --save")
    assert "$AMLX_TARGET=local still wins" in repr(switched)
    assert run(fresh_shell, "%aml workspace").target == "azure"


def test_settings_file_changed_elsewhere_applies_here(fresh_shell: InteractiveShell, tmp_path: Path) -> None:
    assert run(fresh_shell, "%aml workspace").target == "local"
    (tmp_path / "ws" / "settings.json").write_text('{"target": "azure"}')  # as the sidebar (or --save) would
    assert run(fresh_shell, "%aml workspace").target == "azure"


# -- help ----------------------------------------------------------------------------------------------


def test_bare_aml_and_help_list_every_subcommand(shell: InteractiveShell, capsys: pytest.CaptureFixture[str]) -> None:
    run(shell, "%aml")
    bare = capsys.readouterr().out
    run(shell, "%aml --help")
    assert capsys.readouterr().out == bare
    doc = shell.find_magic("aml").__doc__
    assert doc.strip() == bare.strip(), "%aml? shows the same text"
    for verb in SUBCOMMANDS:
        assert f"%aml {verb} " in doc or f"%aml {verb}\n" in doc or f"%%aml {verb} " in doc, verb
    assert "Aml.experiment" in doc


@pytest.mark.parametrize("verb", list(SUBCOMMANDS))
def test_each_subcommand_has_help(shell: InteractiveShell, capsys: pytest.CaptureFixture[str], verb: str) -> None:
    assert run(shell, f"%aml {verb} --help") is None
    out = capsys.readouterr()
    assert out.out.startswith(f"usage: %aml {verb}") and "options:" in out.out
    assert out.err == ""


def test_data_help_shows_both_actions(shell: InteractiveShell, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(shell, "%aml data --help") is None
    out = capsys.readouterr().out
    assert "usage: %aml data register" in out and "usage: %aml data list" in out


def test_aml_question_mark_shows_the_subcommands(shell: InteractiveShell, capsys: pytest.CaptureFixture[str]) -> None:
    run(shell, "%aml?")
    out = capsys.readouterr().out
    assert "%%aml submit" in out and "%aml best" in out and "%aml data register" in out


# -- general user errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line, expected",
    [
        ("bogus", "%aml: unknown subcommand 'bogus'; choose one of: submit, sweep, jobs"),
        ('workspace "unclosed', "check the quotes"),
        ("show", "%aml show: the following arguments are required: NAME (see %aml show --help)"),
        ("jobs --top many", "argument --top: invalid int value: 'many'"),
        ("jobs --top 0", "limit must be between 1 and 1000"),
        ("jobs --nope", "unrecognized arguments: --nope"),
        ("jobs -o 1x", "-o '1x' is not a Python variable name"),
        ("show -o class some_job", "-o 'class' is not a Python variable name"),
        ("data", "data needs an action"),
        ("data bogus", "unknown subcommand 'data bogus'"),
        ("target --save", "name the target to save"),
        ("best --metric rmse --min --all --experiment x", "give --experiment E or --all, not both"),
    ],
)
def test_user_errors_print_one_line_without_traceback(
    shell: InteractiveShell, capsys: pytest.CaptureFixture[str], line: str, expected: str
) -> None:
    assert run(shell, f"%aml {line}") is None
    assert expected in one_error_line(capsys)


def test_a_cell_body_is_refused_where_none_is_taken(shell: InteractiveShell, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(shell, "%%aml jobs\nx = 1") is None
    assert "jobs takes no cell body" in one_error_line(capsys)
    assert "x" not in shell.user_ns


def test_unexpected_errors_are_one_line_unless_tracebacks_are_asked_for(
    fresh_shell: InteractiveShell, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "amlx.db").write_text("not a database")  # a broken index: not a user error
    assert run(fresh_shell, "%aml jobs") is None
    line = one_error_line(capsys)
    assert line.startswith("%aml jobs: ") and "Aml.show_tracebacks" in line
    fresh_shell.run_line_magic("config", "Aml.show_tracebacks = True")
    with pytest.raises(Exception, match="."):  # the real error, whatever SQLite calls it
        run(fresh_shell, "%aml jobs")
    (tmp_path / "ws" / "amlx.db").unlink()


# -- submit --------------------------------------------------------------------------------------------


def test_submit_wait_runs_the_cell_with_the_code_it_needs_from_the_history(
    shell: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    run(shell, "path = 'data/numbers.csv'\nscale = 2")
    run(shell, "print('plot me')")
    job = submit_wait(
        shell, "rows = open(path).read().split()[1:]\nran_here = len(rows)\nprint('total', scale * sum(int(r) for r in rows))"
    )
    out = capsys.readouterr()
    assert "total 12" in out.out, "the log streams into the output"
    assert job.status is JobStatus.COMPLETED
    assert job.parameters == {"path": "data/numbers.csv", "scale": 2}
    assert job.tags["amlx.cell_source"] == "kernel history"
    assert "ran_here" not in shell.user_ns and "rows" not in shell.user_ns, "the cell body did not run in the kernel"
    code = Workspace.from_environment().jobs().code_package(job.name)
    assert [c["reason"] for c in code.manifest["cells"]][-1] == "target cell"
    main = Workspace.from_environment().jobs().code_file(job.name, "main.py")
    assert "plot me" not in main.read_text(), "the display-only cell is left out"
    shown = formats(shell, job)
    assert "Completed" in shown["text/html"] and "status:      Completed" in shown["text/plain"]


def test_submit_options_reach_the_job(shell: InteractiveShell) -> None:
    run(shell, "scale = 2")
    options = "--experiment one --name 'my run' --param scale=1 --tag team=blue --all-above --no-autolog -o kept"
    assert run(shell, f"%%aml submit --python {BARE_PYTHON} --wait {options}\nprint('scaled', scale * 21)") is None
    job = shell.user_ns["kept"]
    assert job.status is JobStatus.COMPLETED, "-o keeps the finished job, not the one first submitted"
    assert (job.experiment, job.display_name, job.parameters["scale"]) == ("one", "my run", 1)
    assert job.tags["team"] == "blue"
    log = Workspace.from_environment().jobs().logs(job.name).text
    assert "scaled 21" in log


def test_submit_uses_the_configured_experiment_and_compute(shell: InteractiveShell) -> None:
    shell.run_line_magic("config", 'Aml.experiment = "two"')
    shell.run_line_magic("config", 'Aml.compute = "local"')
    job = submit_wait(shell, "print(1)")
    assert (job.experiment, job.compute) == ("two", "local")


def test_submit_names_the_experiment_after_the_kernels_notebook(
    shell: InteractiveShell, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notebook = project / "work.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), notebook)
    monkeypatch.setenv("JPY_SESSION_NAME", str(notebook))  # JupyterLab sets it when it starts the kernel
    job = submit_wait(shell, "print(1)")
    assert job.experiment == "work" and job.display_name.startswith("work In[")
    assert job.tags["amlx.notebook"] == str(notebook)


def test_submit_without_wait_returns_at_once_with_a_status_view(shell: InteractiveShell) -> None:
    view = run(shell, f"%%aml submit --python {BARE_PYTHON}\nprint('quick')")
    assert isinstance(view, JobView)
    assert view.job.status is JobStatus.QUEUED
    assert f"%aml logs {view.job.name} --follow" in repr(view)
    assert "<table" in view._repr_html_() and "Queued" in view._repr_html_()
    assert aml_of(shell).live.watching == (), "no live thread in a terminal IPython"
    done = Workspace.from_environment().wait(view.job.name, timeout=60)
    assert done.status is JobStatus.COMPLETED


def test_submit_preview_shows_the_script_and_submits_nothing(shell: InteractiveShell) -> None:
    run(shell, "scale = 2")
    run(shell, "print('plot me')")
    before = job_count()
    preview = run(shell, f"%%aml submit --preview --python {BARE_PYTHON}\nprint(scale * 3)")
    assert isinstance(preview, Rich)
    assert "print(scale * 3)" in repr(preview) and "plot me" not in repr(preview)
    assert "--scale 2" in repr(preview)
    assert "import _amlx_runtime" not in repr(preview)  # the cells, not the script, unless asked for
    assert "<details><summary>main.py" in preview._repr_html_()  # folded
    script = run(shell, f"%%aml submit --preview --script --python {BARE_PYTHON}\nprint(scale * 3)")
    assert repr(script).startswith("#!/usr/bin/env python3") and "import _amlx_runtime" in repr(script)
    assert job_count() == before


def _save_notebook(path: Path, *sources: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Title")] + [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, path)


SUBMIT_CELL = "print('scaled', scale * 10)"


def test_submit_from_the_saved_notebook(shell: InteractiveShell, project: Path) -> None:
    _save_notebook(project / "work.ipynb", "scale = 5", "print('unrelated')", f"%%aml submit --notebook work.ipynb\n{SUBMIT_CELL}")
    run(shell, "scale = 3")  # the history differs from the file: the file wins with --notebook
    job = submit_wait(shell, SUBMIT_CELL, "--notebook work.ipynb")
    assert "scaled 50" in Workspace.from_environment().jobs().logs(job.name).text
    assert job.tags["amlx.cell_source"] == "notebook file"
    assert (job.experiment, job.display_name) == ("work", "work cell 4"), "cells counted from 1, as JupyterLab users count them"


def test_submit_from_the_saved_notebook_keeps_its_cell_tags(shell: InteractiveShell, project: Path) -> None:
    """A cell tagged 'parameters' makes only its own assignments parameters: the file's tags must reach the slicer."""
    body = "print('total', scale * 10 + offset)"
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Title"),
        nbformat.v4.new_code_cell("scale = 5", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("offset = 1"),
        nbformat.v4.new_code_cell(f"%%aml submit --notebook tagged.ipynb\n{body}"),
    ]
    nbformat.write(nb, project / "tagged.ipynb")
    preview = repr(run(shell, f"%%aml submit --notebook tagged.ipynb --preview --python {BARE_PYTHON}\n{body}"))
    assert "--scale 5" in preview and "--offset" not in preview, preview
    assert "cell tagged 'parameters'" in preview
    job = submit_wait(shell, body, "--notebook tagged.ipynb --param scale=7")
    assert "total 71" in Workspace.from_environment().jobs().logs(job.name).text
    assert job.display_name == "tagged cell 4 (scale=7)" and job.tags["amlx.cell_source"] == "notebook file"


def test_submit_notebook_without_a_path_uses_the_kernels_notebook(
    shell: InteractiveShell, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _save_notebook(project / "work.ipynb", "scale = 4", f"%%aml submit --notebook\n{SUBMIT_CELL}")
    monkeypatch.setenv("JPY_SESSION_NAME", str(project / "work.ipynb"))
    job = submit_wait(shell, SUBMIT_CELL, "--notebook")
    assert "scaled 40" in Workspace.from_environment().jobs().logs(job.name).text


@pytest.mark.parametrize(
    "options, body, setup, expected",
    [
        ("--notebook", "print(1)", None, "this kernel does not know its notebook file"),
        ("--notebook missing.ipynb", "print(1)", None, "missing.ipynb' does not exist"),
        ("--notebook unsaved.ipynb", SUBMIT_CELL, "unsaved", "unsaved.ipynb on disk has no copy of this cell: save the notebook"),
        ("--notebook twice.ipynb", SUBMIT_CELL, "twice", "has 2 identical copies of this cell"),
        ("--param nope", "print(scale)", None, "--param 'nope' must look like name=value"),
        ("--param zzz=1", "print(scale)", None, "Unknown parameter 'zzz'; this cell's parameters are: scale"),
        ("--input data/big.csv=x.csv", "print(scale)", None, "'data/big.csv'"),
        ("", "print(undefined_name)", None, "name 'undefined_name' is used but no cell above defines it"),
        ("", "print(", None, "syntax error"),
        ("", "   \n", None, "the cell is empty"),
        ("--python /no/such/python", "print(1)", None, "is not an interpreter on this machine"),
        ("-o not-a-name", "print(1)", None, "-o 'not-a-name' is not a Python variable name"),
    ],
)
def test_submit_user_errors(
    shell: InteractiveShell, capsys: pytest.CaptureFixture[str], project: Path,
    options: str, body: str, setup: str | None, expected: str,
) -> None:
    run(shell, "scale = 2")
    if setup == "unsaved":
        _save_notebook(project / "unsaved.ipynb", "scale = 5", "print('an older version of the cell')")
    if setup == "twice":
        cell = f"%%aml submit --notebook twice.ipynb\n{SUBMIT_CELL}"
        _save_notebook(project / "twice.ipynb", "scale = 5", cell, cell)
    python = "" if "--python" in options else f"--python {BARE_PYTHON}"
    before = job_count()
    result = run(shell, f"%%aml submit {python} {options}\n{body}")
    assert result is None
    line = one_error_line(capsys)
    assert line.startswith("%aml submit: ") and expected in line, line
    assert job_count() == before


def test_submit_as_a_line_magic_says_how_to_use_it(shell: InteractiveShell, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(shell, "%aml submit --wait") is None
    assert "start a cell with %%aml submit" in one_error_line(capsys)


def test_submit_wait_returns_a_failed_job(shell: InteractiveShell, capsys: pytest.CaptureFixture[str]) -> None:
    job = submit_wait(shell, "rows = 3\nraise ValueError('bad data')")
    assert job.status is JobStatus.FAILED
    streamed = capsys.readouterr().out
    assert "ValueError: bad data" in streamed
    assert re.search(r"^  cell \d+, line 2, in <module> \(main\.py, line \d+\)$", streamed, re.MULTILINE), streamed
    shown = formats(shell, job)
    assert "Failed" in shown["text/html"]
    # the error the magic shows names the line of the magic's cell the user wrote
    assert re.search(r"ValueError: bad data \(cell \d+, line 2: raise ValueError\('bad data'\)\)$", job.error or ""), job.error
    assert "line 2: raise ValueError(&#x27;bad data&#x27;)" in shown["text/html"]


def test_ctrl_c_stops_following_and_the_job_keeps_running(
    shell: InteractiveShell, capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    release = project / "release"
    body = (
        "import os, time\nprint('started', flush=True)\ndeadline = time.time() + 120\n"
        f"while not os.path.exists({str(release)!r}) and time.time() < deadline:\n    time.sleep(0.05)\nprint('released')"
    )
    ws = Workspace.from_environment()

    def interrupt_once_started() -> None:
        def started() -> bool:
            jobs = ws.list_jobs(limit=1).items
            return bool(jobs) and "started" in ws.jobs().logs(jobs[0].name).text

        wait_until(started, what="the job to print 'started'")
        os.kill(os.getpid(), signal.SIGINT)  # what Ctrl+C (or JupyterLab's interrupt) sends

    helper = threading.Thread(target=interrupt_once_started, daemon=True)
    helper.start()
    job = submit_wait(shell, body)
    helper.join(timeout=60)
    assert not job.status.terminal, "the job is still running"
    assert f"Stopped following {job.name}; the job keeps running" in capsys.readouterr().err
    release.write_text("go")
    assert ws.wait(job.name, timeout=60).status is JobStatus.COMPLETED


# -- live status ---------------------------------------------------------------------------------------


def test_live_status_updates_the_display_until_the_job_ends(shell: InteractiveShell) -> None:
    from IPython.display import display

    view = run(shell, f"%%aml submit --python {BARE_PYTHON}\nprint('quick')")
    live = magics.LiveStatus(first=0.05, most=0.2)
    ws = aml_of(shell).workspace
    with capture_output() as captured:
        handle = display(JobView(view.job, "live"), display_id=True)
        live.watch(ws, "local", view.job, handle)
        thread = live._thread
        assert thread is not None
        thread.join(timeout=60)
    assert not thread.is_alive(), "the thread ends with the last job it watched"
    assert live.watching == ()
    updates = [o for o in captured.outputs if o.update]
    assert updates, "the status display was updated in place"
    assert "Completed" in updates[-1].data["text/html"]
    assert "%aml download" in updates[-1].data["text/plain"]
    assert all(o.transient["display_id"] == handle.display_id for o in captured.outputs)


def test_live_status_stops_on_request(shell: InteractiveShell, project: Path) -> None:
    from IPython.display import display

    body = f"import os, time\nwhile not os.path.exists({str(project / 'never')!r}):\n    time.sleep(0.05)"
    view = run(shell, f"%%aml submit --python {BARE_PYTHON}\n{body}")
    live = magics.LiveStatus(first=0.05, most=0.1)
    with capture_output():
        live.watch(aml_of(shell).workspace, "local", view.job, display(view, display_id=True))
        thread = live._thread
        assert thread is not None and thread.daemon, "a daemon: it never keeps the kernel alive"
        live.stop()
        thread.join(timeout=10)
    assert not thread.is_alive()


# -- jobs, show, logs, cancel, best ------------------------------------------------------------------------


@pytest.fixture
def two_jobs(shell: InteractiveShell) -> tuple[str, list[Job]]:
    """Two finished jobs in experiments one and two, named with a token only they carry."""
    token = f"t{uuid.uuid4().hex[:10]}"
    run(shell, "scale = 2")
    first = submit_wait(shell, "print('a', scale)", f"--experiment one --name {token}-a")
    second = submit_wait(shell, "print('b', scale)", f"--experiment two --name {token}-b --param scale=3")
    return token, [first, second]


def test_jobs_returns_a_dataframe_newest_first(shell: InteractiveShell, two_jobs: tuple[str, list[Job]]) -> None:
    token, jobs = two_jobs
    frame = run(shell, f"%aml jobs --search {token}")
    assert isinstance(frame, pd.DataFrame)
    assert list(frame["name"]) == [jobs[1].name, jobs[0].name]
    assert list(frame.columns) == ["name", "display_name", "experiment", "status", "created", "duration_s", "params.scale"]
    assert list(frame["params.scale"]) == [3, 2]
    assert set(frame["status"]) == {"Completed"}
    created = frame["created"].iloc[0]
    assert isinstance(created, pd.Timestamp) and created.microsecond == 0 and created.nanosecond == 0
    assert all(d == round(d, 1) for d in frame["duration_s"])
    assert "<table" in formats(shell, frame)["text/html"]

    one = run(shell, f"%aml jobs --search {token} --experiment one")
    assert "experiment" not in one.columns, "a listing of one experiment does not repeat it on every row"
    wide = run(shell, f"%aml jobs --search {token} --all-columns")
    assert {"experiment", "type", "compute", "started", "ended", "mlflow_run_id"} <= set(wide.columns)
    assert {f"tags.{k}" for k in jobs[0].tags} <= set(wide.columns) and list(wide["type"]) == ["command", "command"]


def test_jobs_filters_and_stores_in_a_variable(shell: InteractiveShell, two_jobs: tuple[str, list[Job]]) -> None:
    token, jobs = two_jobs
    assert run(shell, f"%aml jobs --experiment one --search {token} -o df") is None
    assert list(shell.user_ns["df"]["name"]) == [jobs[0].name]
    assert list(run(shell, f"%aml jobs --search {token} --asc --top 1")["name"]) == [jobs[0].name]
    assert len(run(shell, f"%aml jobs --search {token} --status Failed")) == 0
    assert len(run(shell, f"%aml jobs --search {token} --status Completed --status Failed")) == 2
    shell.run_line_magic("config", 'Aml.experiment = "two"')
    assert list(run(shell, f"%aml jobs --search {token}")["name"]) == [jobs[1].name]
    assert len(run(shell, f"%aml jobs --search {token} --all")) == 2


def test_jobs_filter_takes_the_runs_filter_language(
    shell: InteractiveShell, two_jobs: tuple[str, list[Job]], capsys: pytest.CaptureFixture[str]
) -> None:
    token, jobs = two_jobs
    frame = run(shell, f"%aml jobs --all --filter \"experiment = two and display_name like '{token}%'\"")
    assert list(frame["name"]) == [jobs[1].name]
    frame = run(shell, f"%aml jobs --all --filter \"{token} and status in (Completed, Failed)\"")
    assert list(frame["name"]) == [jobs[1].name, jobs[0].name]
    capsys.readouterr()
    assert run(shell, "%aml jobs --filter 'metrics.rmse < 58 or status = Failed'") is None
    line = one_error_line(capsys)
    assert "Only 'and' joins conditions" in line and "(column 19)" in line


def test_jobs_on_an_empty_workspace(fresh_shell: InteractiveShell) -> None:
    frame = run(fresh_shell, "%aml jobs")
    assert frame.empty and list(frame.columns)[:2] == ["name", "display_name"]


def test_show_and_logs(shell: InteractiveShell, capsys: pytest.CaptureFixture[str], two_jobs: tuple[str, list[Job]]) -> None:
    name = two_jobs[1][0].name
    job = run(shell, f"%aml show {name}")
    assert job == Workspace.from_environment().jobs().get_job(name)
    assert run(shell, f"%aml show {name} -o shown") is None and shell.user_ns["shown"].name == name
    capsys.readouterr()
    assert run(shell, f"%aml logs {name}") is None
    assert "a 2" in capsys.readouterr().out
    run(shell, f"%aml logs {name} --follow")
    assert "a 2" in capsys.readouterr().out


@pytest.mark.parametrize("verb", ["show", "logs", "cancel", "download"])
def test_unknown_job_is_one_line(shell: InteractiveShell, capsys: pytest.CaptureFixture[str], verb: str) -> None:
    assert run(shell, f"%aml {verb} no_such_job") is None
    assert "no job named 'no_such_job'" in one_error_line(capsys)


def test_cancel_a_running_job_and_refuse_a_finished_one(
    shell: InteractiveShell, capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    body = f"import os, time\nwhile not os.path.exists({str(project / 'never')!r}):\n    time.sleep(0.05)"
    view = run(shell, f"%%aml submit --python {BARE_PYTHON}\n{body}")
    cancelled = run(shell, f"%aml cancel {view.job.name}")
    assert isinstance(cancelled, Job) and cancelled.status in (JobStatus.CANCEL_REQUESTED, JobStatus.CANCELED)
    ws = Workspace.from_environment()
    assert ws.wait(view.job.name, timeout=60).status is JobStatus.CANCELED
    assert run(shell, f"%aml cancel {view.job.name}") is None
    assert "already Canceled" in one_error_line(capsys)


METRIC_CELL = "import mlflow\nmlflow.log_metric('rmse', {rmse})\nmlflow.log_metric('r2', {r2})"


@pytest.mark.slow
def test_best_and_metric_columns(shell: InteractiveShell, capsys: pytest.CaptureFixture[str]) -> None:
    """Two real MLflow runs (this venv's Python has mlflow): the best-run loop in one line."""
    ws = Workspace.from_environment()
    names = []
    for rmse, r2 in ((0.7, 0.2), (0.4, 0.1)):
        view = run(shell, f"%%aml submit --python {sys.executable} --experiment sweep\n{METRIC_CELL.format(rmse=rmse, r2=r2)}")
        names.append(view.job.name)
    run(shell, f"%%aml submit --python {BARE_PYTHON} --experiment sweep\nraise SystemExit(3)")
    for name in names:
        assert ws.wait(name, timeout=120).status is JobStatus.COMPLETED

    best = run(shell, "%aml best --experiment sweep --metric rmse --min")
    assert isinstance(best, Job) and best.name == names[1] and best.metrics["rmse"] == pytest.approx(0.4)
    assert run(shell, "%aml best --experiment sweep --metric r2 --max -o top") is None
    assert shell.user_ns["top"].name == names[0]
    shell.run_line_magic("config", 'Aml.experiment = "sweep"')
    assert run(shell, "%aml best --metric rmse --max").name == names[0]

    frame = run(shell, "%aml jobs --experiment sweep --order-by metrics.rmse --asc")
    assert list(frame["name"][:2]) == [names[1], names[0]]
    assert list(frame["metrics.rmse"][:2]) == pytest.approx([0.4, 0.7])
    assert "metrics.r2" in frame.columns


@pytest.mark.parametrize(
    "line, expected",
    [
        ("best --metric rmse", "say which value is best: --min or --max"),
        ("best --metric rmse --min --max", "say which value is best"),
        ("best --min", "name the metric: --metric rmse (or a sweep"),
        ("best --metric '' --min", "Name the metric, e.g. rmse."),
        ("best --experiment nowhere --metric rmse --min", "No completed job in experiment 'nowhere' logged the metric 'rmse'"),
    ],
)
def test_best_user_errors(shell: InteractiveShell, capsys: pytest.CaptureFixture[str], line: str, expected: str) -> None:
    assert run(shell, f"%aml {line}") is None
    assert expected in one_error_line(capsys)


def test_best_ignores_jobs_without_the_metric(shell: InteractiveShell, capsys: pytest.CaptureFixture[str]) -> None:
    submit_wait(shell, "print(1)")
    assert run(shell, "%aml best --experiment history --metric rmse --min") is None
    assert "logged the metric 'rmse'" in one_error_line(capsys)


# -- download ----------------------------------------------------------------------------------------------


@pytest.fixture
def with_outputs(shell: InteractiveShell) -> Job:
    return submit_wait(
        shell,
        "import os\nos.makedirs('outputs/plots', exist_ok=True)\n"
        "open('outputs/model.pkl', 'w').write('model')\nopen('outputs/plots/a.txt', 'w').write('plot')",
    )


def test_download_copies_every_output_into_the_current_folder(
    shell: InteractiveShell, project: Path, with_outputs: Job
) -> None:
    report = run(shell, f"%aml download {with_outputs.name}")
    folder = project / "outputs" / with_outputs.name
    assert (folder / "model.pkl").read_text() == "model" and (folder / "plots" / "a.txt").read_text() == "plot"
    assert report.value == folder
    assert "Wrote 2 files" in repr(report) and "model.pkl" in report._repr_html_()


@pytest.mark.parametrize("path", ["model.pkl", "outputs/model.pkl", "/model.pkl"])
def test_download_one_file(shell: InteractiveShell, project: Path, with_outputs: Job, path: str) -> None:
    report = run(shell, f"%aml download {with_outputs.name} --path {path}")
    folder = project / "outputs" / with_outputs.name
    assert sorted(p.name for p in folder.rglob("*") if p.is_file()) == ["model.pkl"]
    assert "Wrote 1 file, 5 bytes" in repr(report)


def test_download_a_folder_to_a_chosen_place(shell: InteractiveShell, project: Path, tmp_path: Path, with_outputs: Job) -> None:
    run(shell, f"%aml download {with_outputs.name} --path plots --to fetched")
    assert (project / "fetched" / "plots" / "a.txt").read_text() == "plot"
    elsewhere = tmp_path / "elsewhere"
    run(shell, f"%aml download {with_outputs.name} --to {elsewhere}")
    assert (elsewhere / "model.pkl").exists(), "an explicit absolute path is allowed"


def test_download_of_a_job_without_outputs(shell: InteractiveShell) -> None:
    job = submit_wait(shell, "print(1)")
    assert "the job has no output files" in repr(run(shell, f"%aml download {job.name}"))


@pytest.mark.parametrize(
    "options, expected",
    [
        ("--path nothing.txt", "has no output 'nothing.txt'; its outputs are: model.pkl, plots/a.txt"),
        ("--to ../outside", "points outside the notebook folder"),
    ],
)
def test_download_user_errors(
    shell: InteractiveShell, capsys: pytest.CaptureFixture[str], project: Path, with_outputs: Job, options: str, expected: str
) -> None:
    assert run(shell, f"%aml download {with_outputs.name} {options}") is None
    assert expected in one_error_line(capsys)
    assert not (project.parent / "outside").exists()


# -- data assets ---------------------------------------------------------------------------------------------


def test_data_register_and_list(fresh_shell: InteractiveShell) -> None:
    asset = run(fresh_shell, "%aml data register numbers data/numbers.csv --description 'three rows'")
    assert isinstance(asset, DataAsset) and (asset.name, asset.version, asset.type) == ("numbers", "1", "uri_file")
    assert "use it as azureml:numbers:1" in formats(fresh_shell, asset)["text/plain"]
    assert "numbers" in formats(fresh_shell, asset)["text/html"]
    run(fresh_shell, "%aml data register numbers data/numbers.csv --version 7")
    listing = run(fresh_shell, "%aml data list")
    assert isinstance(listing, Rich) and "numbers" in repr(listing) and "<table" in listing._repr_html_()
    assert run(fresh_shell, "%aml data list numbers -o versions") is None
    assert [a.version for a in fresh_shell.user_ns["versions"]] == ["7", "1"]


@pytest.mark.parametrize(
    "line, expected",
    [
        ("data register numbers nothing.csv", "'nothing.csv' does not exist"),
        ("data register numbers", "the following arguments are required: PATH"),
        ("data list no-such-asset", "no-such-asset"),
    ],
)
def test_data_user_errors(fresh_shell: InteractiveShell, capsys: pytest.CaptureFixture[str], line: str, expected: str) -> None:
    assert run(fresh_shell, f"%aml {line}") is None
    assert expected in one_error_line(capsys)


# -- models and endpoints: argument checks now, the facade later --------------------------------------------


@pytest.mark.parametrize(
    "code, expected",
    [
        ("%aml register model", "the following arguments are required: --job"),
        ("%aml register --job j", "the following arguments are required: NAME"),
        ("%aml register ' ' --job j", "name the model"),
        ("%aml deploy model", "the following arguments are required: --endpoint"),
        ("%aml deploy 'model:' --endpoint e", "model 'model:' must be NAME or NAME:VERSION"),
        ("%aml deploy ':3' --endpoint e", "must be NAME or NAME:VERSION"),
        ("%aml deploy 'a:1:2' --endpoint e", "must be NAME or NAME:VERSION"),
        ("%aml deploy model --endpoint e --instance-count many", "argument --instance-count: invalid int value"),
        ("%aml invoke", "the following arguments are required: ENDPOINT"),
        ("%aml invoke e", "give the request body once"),
        ("%aml invoke e --data '{}' --data-var df", "give the request body once"),
        ("%%aml invoke e --data '{}'\n{\"data\": []}", "give the request body once"),
        ("%aml invoke e --data '{nope'", "--data is not valid JSON"),
        ("%aml invoke e --data '[1, 2]'", "--data must be a JSON object"),
        ("%%aml invoke e\n[1]", "the cell body must be a JSON object"),
        ("%aml invoke e --data-var missing", "no variable named 'missing' in the notebook"),
        ("%aml invoke e --data-var number", "number is a int; --data-var takes a DataFrame"),
        ("%aml invoke e --data '{}' -o 2x", "-o '2x' is not a Python variable name"),
        ("%aml endpoints extra", "unrecognized arguments: extra"),
    ],
)
def test_model_and_endpoint_argument_errors(
    shell: InteractiveShell, capsys: pytest.CaptureFixture[str], code: str, expected: str
) -> None:
    run(shell, "number = 3")
    assert run(shell, code) is None
    assert expected in one_error_line(capsys)


def test_endpoints_and_models_reach_the_facade(fresh_shell: InteractiveShell, capsys: pytest.CaptureFixture[str]) -> None:
    listing = run(fresh_shell, "%aml endpoints")
    assert isinstance(listing, Rich) and listing.value == () and repr(listing) == "No endpoints."
    assert run(fresh_shell, "%aml register model --job no_such_job") is None
    assert "no_such_job" in one_error_line(capsys)
    assert run(fresh_shell, "%aml invoke nowhere --data '{\"data\": [[1]]}'") is None
    assert "nowhere" in one_error_line(capsys)


def test_invoke_payloads_from_notebook_values() -> None:
    import numpy as np

    frame = pd.DataFrame({"Age": [22, None], "Sex": ["male", "female"]})
    assert magics.payload_from_value(frame, "df") == {"data": [{"Age": 22.0, "Sex": "male"}, {"Age": None, "Sex": "female"}]}
    assert magics.payload_from_value(frame.iloc[0], "row") == {"data": [{"Age": 22.0, "Sex": "male"}]}
    assert magics.payload_from_value(np.array([[1, 2]]), "a") == {"data": [[1, 2]]}
    assert magics.payload_from_value([[1, 2]], "a") == {"data": [[1, 2]]}
    assert magics.payload_from_value({"input_data": [[1]]}, "a") == {"input_data": [[1]]}
    assert magics.parse_model("titanic-model:3") == ("titanic-model", "3")
    assert magics.parse_model("titanic-model") == ("titanic-model", None)


# -- a notebook's own MLflow runs, %aml best's experiment --------------------------------------------------


@pytest.fixture
def notebook_runs(fresh_shell: InteractiveShell, tmp_path: Path) -> Any:
    """Finished MLflow runs a notebook logged in the workspace's store (no job made them): rmse per experiment."""
    from mlflow.tracking import MlflowClient

    from amlx_lab.backends.local.layout import Layout
    from amlx_lab.backends.local.tracking import ensure_store

    layout = Layout(tmp_path / "ws")
    ensure_store(layout)
    client = MlflowClient(layout.mlflow_uri)
    for experiment, values in {"diabetes-ridge": (0.7, 0.4), "other": (0.1,)}.items():
        experiment_id = client.create_experiment(experiment)
        for value in values:
            run_id = client.create_run(experiment_id, run_name=f"{experiment} {value}").info.run_id
            client.log_param(run_id, "alpha", str(value))
            client.log_metric(run_id, "rmse", value)
            client.log_metric(run_id, "diverged", float("nan"))
            client.set_terminated(run_id)
    return client


def best_of(ip: InteractiveShell, capsys: pytest.CaptureFixture[str], options: str = "") -> tuple[Job, str]:
    best = run(ip, f"%aml best --metric rmse --min {options}")
    assert isinstance(best, Job), capsys.readouterr().err
    return best, capsys.readouterr().out.splitlines()[0]  # what was searched; the shell's Out[] follows


def test_best_searches_the_current_experiment_and_says_which(
    fresh_shell: InteractiveShell, notebook_runs: Any, capsys: pytest.CaptureFixture[str],
    project: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    best, said = best_of(fresh_shell, capsys)
    assert best.display_name == "other 0.1" and best.type.value == "interactive"
    assert said == "Searched every experiment (no current experiment: set Aml.experiment or pass --experiment) for the lowest rmse."

    nbformat.write(nbformat.v4.new_notebook(), project / "other.ipynb")
    monkeypatch.setenv("JPY_SESSION_NAME", str(project / "other.ipynb"))
    best, said = best_of(fresh_shell, capsys)
    assert best.display_name == "other 0.1"
    assert said == "Searched experiment 'other' (the notebook's name, other.ipynb) for the lowest rmse."

    # the notebook's code names its experiment (a stand-in keeps this process's MLflow untouched)
    run(fresh_shell, "import types\nmlflow = types.SimpleNamespace(set_experiment=lambda name: None)")
    run(fresh_shell, "mlflow.set_experiment('diabetes-ridge')")
    best, said = best_of(fresh_shell, capsys)
    assert best.display_name == "diabetes-ridge 0.4"
    assert said == "Searched experiment 'diabetes-ridge' (the notebook's mlflow.set_experiment) for the lowest rmse."

    fresh_shell.run_line_magic("config", 'Aml.experiment = "other"')
    assert best_of(fresh_shell, capsys)[1] == "Searched experiment 'other' (Aml.experiment) for the lowest rmse."
    best, said = best_of(fresh_shell, capsys, "--experiment diabetes-ridge")
    assert best.display_name == "diabetes-ridge 0.4" and "(--experiment)" in said
    assert best_of(fresh_shell, capsys, "--all")[1].startswith("Searched every experiment (--all)")
    assert run(fresh_shell, "%aml best --metric rmse --max -o top") is None
    assert fresh_shell.user_ns["top"].display_name == "other 0.1"
    assert "Searched experiment 'other'" in capsys.readouterr().out, "said with -o as well"


def test_jobs_lists_a_notebooks_runs_with_the_useful_columns(fresh_shell: InteractiveShell, notebook_runs: Any) -> None:
    frame = run(fresh_shell, "%aml jobs --experiment diabetes-ridge --order-by metrics.rmse --asc")
    assert list(frame["display_name"]) == ["diabetes-ridge 0.4", "diabetes-ridge 0.7"]
    assert list(frame.columns) == ["name", "display_name", "status", "created", "duration_s", "metrics.rmse"], (
        "no submitted parameters, and the metric no run has a value for is left out"
    )
    assert all(name.startswith("run_") for name in frame["name"])
    wide = run(fresh_shell, "%aml jobs --experiment diabetes-ridge --all-columns")
    assert {"params.alpha", "metrics.diverged", "metrics.rmse"} <= set(wide.columns)
    assert set(wide["type"]) == {"interactive"}


@pytest.mark.slow
def test_a_job_keeps_the_experiment_its_code_names(shell: InteractiveShell) -> None:
    """The kernel's history names the experiment; the job and its MLflow run land there unless overridden."""
    run(shell, "import types\nmlflow = types.SimpleNamespace(set_experiment=lambda name: None)")  # stands in for MLflow
    run(shell, "mlflow.set_experiment('named-by-the-code')")
    body = "import mlflow\nmlflow.set_experiment('named-by-the-code')\nmlflow.log_metric('rmse', 1.0)"
    ws = Workspace.from_environment()

    def experiment_of_run(job: Job) -> str:
        import sqlite3

        with contextlib.closing(sqlite3.connect(ws.config.workspace_dir / "mlflow" / "mlflow.db")) as conn:
            return conn.execute("SELECT name FROM experiments WHERE experiment_id = ?", (job.mlflow_experiment_id,)).fetchone()[0]

    job = run(shell, f"%%aml submit --python {sys.executable} --wait\n{body}")
    assert job.status is JobStatus.COMPLETED and job.experiment == "named-by-the-code"
    assert experiment_of_run(job) == "named-by-the-code"
    assert "ignored" not in ws.jobs().logs(job.name).text, "the code's own call names the job's experiment"

    chosen = run(shell, f"%%aml submit --python {sys.executable} --wait --experiment chosen-here\n{body}")
    assert chosen.experiment == "chosen-here" and experiment_of_run(chosen) == "chosen-here"
    assert "ignored: the job logs to its run in experiment 'chosen-here'" in ws.jobs().logs(chosen.name).text


# -- sweeps -------------------------------------------------------------------------------------------------

SWEEP_CELL = "import mlflow\nmlflow.log_metric('score', (k - 2) ** 2)"


def test_sweep_preview_shows_the_points_and_submits_nothing(shell: InteractiveShell) -> None:
    run(shell, "k = 1")
    before = job_count()
    preview = run(shell, "%%aml sweep --param k=choice(1,2,3) --objective score:min --sampling grid --preview\n" + SWEEP_CELL)
    assert isinstance(preview, Rich) and "First 3 of 3 trials:" in repr(preview) and "<pre>" in preview._repr_html_()
    assert job_count() == before


@pytest.mark.parametrize(
    "line, expected",
    [
        ("sweep --param k=choice(1,2)", "Name the objective, e.g. --objective rmse:min"),
        ("sweep --param k=uniform(0,1) --objective score:min", "draws fractions"),
        ("sweep --param k=choice(1,2) --objective score:min --sampling annealing", "use random, sobol, grid or bayesian"),
    ],
)
def test_sweep_user_errors(shell: InteractiveShell, capsys: pytest.CaptureFixture[str], line: str, expected: str) -> None:
    run(shell, "k = 1")
    assert run(shell, f"%%aml {line}\n{SWEEP_CELL}") is None
    assert expected in one_error_line(capsys)


@pytest.mark.slow
def test_sweep_wait_returns_the_finished_sweep_and_best_understands_it(shell: InteractiveShell) -> None:
    from amlx_lab.magics.sweep import SweepView

    run(shell, "k = 1")
    view = run(shell, f"%%aml sweep --param k=choice(1,2,3) --objective score:min --sampling grid --concurrent 2 "
                      f"--python {sys.executable} --wait\n{SWEEP_CELL}")
    assert isinstance(view, SweepView) and view.job.status is JobStatus.COMPLETED, getattr(view, "job", view)
    name = view.job.name
    assert view.details.best_trial == f"{name}_1" and len(view.trials) == 3
    html = view._repr_html_()
    assert "<table class='amlx-sweep'>" in html and "font-weight:bold" in html and "best" in repr(view)

    best = run(shell, f"%aml best {name}")
    assert isinstance(best, Job) and best.name == f"{name}_1" and best.metrics["score"] == 0
    assert run(shell, f"%aml best --parent {name} -o top") is None and shell.user_ns["top"].name == best.name
    shown = run(shell, f"%aml show {name}")
    assert isinstance(shown, SweepView) and [t.parameters["k"] for t in shown.trials] == [1, 2, 3]


def test_sweep_without_wait_keeps_a_live_trials_table(shell: InteractiveShell) -> None:
    from IPython.display import display

    from amlx_lab.magics.sweep import SweepView, sweep_view

    run(shell, "k = 1")
    view = run(shell, f"%%aml sweep --param k=choice(1,2) --objective score:min --sampling grid --python {BARE_PYTHON}\n"
                      "print('k is', k)")
    assert isinstance(view, SweepView) and view.job.status is JobStatus.QUEUED
    live = magics.LiveStatus(first=0.05, most=0.3)
    with capture_output() as captured:
        handle = display(view, display_id=True)
        live.watch(aml_of(shell).workspace, "local", view.job, handle, view=sweep_view)
        thread = live._thread
        assert thread is not None
        thread.join(timeout=300)
    assert not thread.is_alive()
    updates = [o for o in captured.outputs if o.update]
    final = updates[-1].data
    # The trials print but log no metric: the sweep ends Failed, saying which objective is missing.
    assert "Failed" in final["text/html"] and "No trial logged the objective metric 'score'" in final["text/plain"]
    assert "k is 1" in Workspace.from_environment().jobs().logs(f"{view.job.name}_0").text


def test_tag_describe_archive_and_restore_a_job(shell: InteractiveShell) -> None:
    """The run panel's labels from a cell: each returns the changed job."""
    job = submit_wait(shell, "print(1)")
    tagged = run(shell, f"%aml tag {job.name} stage=baseline note=first")
    assert isinstance(tagged, Job)
    assert (tagged.tags["stage"], tagged.tags["note"]) == ("baseline", "first")
    removed = run(shell, f"%aml tag {job.name} --remove note")
    assert removed.tags["stage"] == "baseline" and "note" not in removed.tags
    assert run(shell, f"%aml describe {job.name} 'the first try'").description == "the first try"
    assert run(shell, f"%aml archive {job.name}").archived is True
    assert run(shell, f"%aml restore {job.name}").archived is False
