"""Export through each front end: ``amlx export`` (a real subprocess), ``%aml export`` (a real IPython shell)
and ``POST /jobs/{name}/export`` / ``/endpoints/{name}/export`` (a real Jupyter server, answers held to the spec)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from tornado.httpclient import HTTPClientError
from traitlets.config import Config

from amlx_lab.magics import Rich
from amlx_lab.records import ExportResult
from tests.conftest import error_of
from tests.openapi import assert_matches

from .conftest import Trained

pytestmark = pytest.mark.slow

AMLX = Path(sys.executable).with_name("amlx")
BARE_PYTHON = str(Path(sys.base_prefix) / "bin" / "python3")


def amlx(trained: Trained, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AMLX_WORKSPACE": str(trained.workspace_dir)}
    return subprocess.run([str(AMLX), *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


def test_amlx_export_writes_the_folder_and_refuses_bad_input_with_a_sentence(trained: Trained, tmp_path: Path) -> None:
    done = amlx(trained, tmp_path, "export", trained.job.name, "-o", "ci")
    assert done.returncode == 0, done.stderr
    assert f"to ci/{trained.job.name}/" in done.stdout and "az ml job create --file job.yml" in done.stdout
    assert (tmp_path / "ci" / trained.job.name / "job.yml").is_file()

    again = amlx(trained, tmp_path, "export", trained.job.name, "-o", "ci")
    assert again.returncode == 2 and "--force" in again.stderr and "Traceback" not in again.stderr
    forced = amlx(trained, tmp_path, "--json", "export", trained.job.name, "-o", "ci", "--force")
    assert forced.returncode == 0, forced.stderr
    assert json.loads(forced.stdout)["files"][0] == "job.yml"

    missing = amlx(trained, tmp_path, "export", "nosuch")
    assert missing.returncode == 2 and "There is no job named 'nosuch'" in missing.stderr
    no_endpoint = amlx(trained, tmp_path, "export", "--endpoint", "nosuch")
    assert no_endpoint.returncode == 2 and "There is no endpoint named 'nosuch'" in no_endpoint.stderr
    neither = amlx(trained, tmp_path, "export")
    assert neither.returncode == 2 and "usage:" in neither.stderr


@pytest.fixture
def shell(trained: Trained, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    monkeypatch.setenv("AMLX_WORKSPACE", str(trained.workspace_dir))
    monkeypatch.chdir(tmp_path)
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    ip = InteractiveShell.instance(config=config)
    ip.run_line_magic("load_ext", "amlx_lab")
    yield ip
    InteractiveShell.clear_instance()


def test_aml_export_writes_next_to_the_notebook(shell: InteractiveShell, trained: Trained, tmp_path: Path) -> None:
    shown = shell.run_line_magic("aml", f"export {trained.job.name}")
    assert isinstance(shown, Rich) and isinstance(shown.value, ExportResult)
    assert shown.value.folder == f"amlx-export/{trained.job.name}"
    assert (tmp_path / "amlx-export" / trained.job.name / "workflow.yml").is_file()
    assert "az ml job create" in repr(shown) and "<pre>" in shown._repr_html_()

    with capture_output() as captured:
        assert shell.run_line_magic("aml", "export") is None
    assert "name a job" in captured.stdout + captured.stderr
    with capture_output() as captured:
        shell.run_line_magic("aml", "export nosuch")
    assert "There is no job named 'nosuch'" in captured.stdout + captured.stderr


# -- REST ---------------------------------------------------------------------------------------------------


@pytest.fixture
def queued_job(jp_root_dir: Path) -> Iterator[str]:
    """A job in the server's workspace (its code snapshot exists from the submit on; it need not finish)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("n = 3"), nbformat.v4.new_code_cell("print('n', n)")]
    nbformat.write(nb, jp_root_dir / "tiny.ipynb")
    yield "tiny.ipynb"


async def test_rest_export_writes_into_the_notebook_folder_and_answers_errors_by_the_spec(
    jp_fetch, jp_root_dir: Path, queued_job: str, amlx_workspace_dir: Path
) -> None:
    submitted = await jp_fetch("amlx", "api", "jobs", method="POST",
                               body=json.dumps({"notebook": queued_job, "cell": 1, "python": BARE_PYTHON}))
    name = json.loads(submitted.body)["name"]

    route = "/jobs/{name}/export"
    response = await jp_fetch("amlx", "api", "jobs", name, "export", method="POST", body=json.dumps({"folder": "exports"}))
    assert response.code == 201
    result = assert_matches(route, "POST", 201, response.body)
    assert result["folder"] == f"exports/{name}", "relative to the notebook folder, no server path"
    assert (jp_root_dir / "exports" / name / "job.yml").is_file()
    assert "n ${{inputs.n}}" in (jp_root_dir / "exports" / name / "job.yml").read_text()

    cases = [
        (["jobs", "nosuch", "export"], {}, 404, "There is no job named 'nosuch'"),
        (["jobs", name, "export"], {"folder": "exports"}, 409, "already holds an export"),
        (["jobs", name, "export"], {"folder": "../outside"}, 400, "outside the notebook folder"),
        (["jobs", name, "export"], {"folder": "exports", "extra": 1}, 400, "extra"),
        (["endpoints", "nosuch", "export"], {}, 404, "nosuch"),
    ]
    for path, body, status, words in cases:
        with pytest.raises(HTTPClientError) as caught:
            await jp_fetch("amlx", "api", *path, method="POST", body=json.dumps(body))
        assert caught.value.code == status, path
        error = error_of(caught.value)
        assert words in error["message"] and str(jp_root_dir) not in error["message"], error
        spec_path = "/" + "/".join(path).replace("nosuch", "{name}").replace(name, "{name}")
        assert_matches(spec_path, "POST", status, caught.value.response.body)

    again = await jp_fetch("amlx", "api", "jobs", name, "export", method="POST",
                           body=json.dumps({"folder": "exports", "overwrite": True}))
    assert again.code == 201
