"""build_package / preview_package: the folder, the record, the typed errors."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from amlx_lab.errors import NotebookError, NotFoundError, ValidationError
from amlx_lab.notebook import (
    MANIFEST_NAME,
    AmbiguousCellError,
    CellNotFoundError,
    CellSyntaxError,
    CorruptNotebookError,
    JobPackage,
    NotebookNotFoundError,
    PackageOptions,
    UndefinedNameError,
    build_package,
    load_package,
    preview_package,
)
from amlx_lab.notebook.requirements import clear_probe_cache, probe_environment

MakeNotebook = Callable[..., Path]

BASIC = [
    {"markdown": "# A notebook"},
    "import json\nimport os",
    "settings = {'lr': 0.1}\nprint(settings)",
    "alpha = 0.5\nname = 'run'",
    "settings",
    ("result = alpha * settings['lr']\nprint(json.dumps({'result': result, 'name': name}))", ["aml-train"]),
    "print('after the target')",
]


# -- choosing the cell --------------------------------------------------------------------


def test_cell_by_index_id_and_tag_agree(notebook: MakeNotebook) -> None:
    path = notebook(BASIC)
    by_tag = preview_package(path, cell="aml-train")
    by_index = preview_package(path, cell=5)
    by_id = preview_package(path, cell="c5")
    by_negative = preview_package(path, cell=-2)
    assert by_tag.target_cell.index == by_index.target_cell.index == by_id.target_cell.index == 5
    assert by_negative.target_cell.index == 5
    assert by_tag.content_hash == by_index.content_hash == by_id.content_hash
    assert by_tag.target_cell.id == "c5"


def test_unknown_cells_are_not_found(notebook: MakeNotebook) -> None:
    path = notebook(BASIC)
    with pytest.raises(CellNotFoundError) as info:
        preview_package(path, cell=42)
    assert isinstance(info.value, NotFoundError) and info.value.status == 404
    assert "42" in info.value.message
    with pytest.raises(CellNotFoundError):
        preview_package(path, cell="no-such-id-or-tag")


def test_markdown_cell_is_refused(notebook: MakeNotebook) -> None:
    with pytest.raises(NotebookError) as info:
        preview_package(notebook(BASIC), cell=0)
    assert info.value.status == 422 and "markdown" in info.value.message
    assert info.value.details["cell_index"] == 0


def test_two_cells_tagged_aml_train_are_ambiguous(notebook: MakeNotebook) -> None:
    path = notebook([("x = 1", ["aml-train"]), ("y = 2", ["aml-train"])])
    with pytest.raises(AmbiguousCellError) as info:
        preview_package(path, cell="aml-train")
    assert info.value.details["cells"] == [0, 1]


def test_bad_cell_selector_type(notebook: MakeNotebook) -> None:
    with pytest.raises(ValidationError):
        preview_package(notebook(BASIC), cell=1.5)  # type: ignore[arg-type]


# -- notebook problems ---------------------------------------------------------------------


def test_missing_notebook(tmp_path: Path) -> None:
    with pytest.raises(NotebookNotFoundError) as info:
        preview_package(tmp_path / "nope.ipynb", cell=0)
    assert info.value.status == 404


def test_corrupt_notebook_names_the_json_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.ipynb"
    path.write_text('{"cells": [\n  {"cell_type": "code",\n', encoding="utf-8")
    with pytest.raises(CorruptNotebookError) as info:
        preview_package(path, cell=0)
    assert info.value.status == 422 and info.value.details["line"] >= 2


def test_old_nbformat_is_refused(notebook: MakeNotebook) -> None:
    with pytest.raises(CorruptNotebookError) as info:
        preview_package(notebook(["x = 1"], nbformat_major=3), cell=0)
    assert "nbformat 3" in info.value.message


def test_syntax_error_in_target_names_cell_and_line(notebook: MakeNotebook) -> None:
    path = notebook(["x = 1", "y = 2\nz = (x +\n"])
    with pytest.raises(CellSyntaxError) as info:
        preview_package(path, cell=1)
    details = info.value.details
    assert details["cell_index"] == 1 and details["cell_id"] == "c1" and details["line"] in (2, 3)
    assert "cell 1" in info.value.message and "line" in info.value.message


def test_syntax_error_above_is_left_out_with_a_warning(notebook: MakeNotebook) -> None:
    package = preview_package(notebook(["x = 1", "oops = (", "print(x)"]), cell=2)
    assert [c.index for c in package.cells] == [0, 2]
    assert any("cell 1" in w and "syntax error" in w for w in package.warnings)


def test_undefined_name_names_cell_line_and_a_hint(notebook: MakeNotebook) -> None:
    path = notebook(["import math", "y = 2\nprint(math.sqrt(later))", "later = 4"])
    with pytest.raises(UndefinedNameError) as info:
        preview_package(path, cell=1)
    error = info.value
    assert error.status == 422
    assert error.details == {"cell_index": 1, "cell_id": "c1", "line": 2, "name": "later"}
    assert "'later'" in error.message and "cell 2, below the target" in error.message


def test_undefined_name_from_dropped_shell_output(notebook: MakeNotebook) -> None:
    with pytest.raises(UndefinedNameError) as info:
        preview_package(notebook(["files = !ls", "print(files)"]), cell=1)
    assert "IPython syntax" in info.value.message


def test_output_history_is_explained(notebook: MakeNotebook) -> None:
    with pytest.raises(UndefinedNameError) as info:
        preview_package(notebook(["1 + 1", "print(_)"]), cell=1)
    assert "history" in info.value.message


# -- the package ---------------------------------------------------------------------------


def test_preview_writes_nothing_and_build_matches_it(notebook: MakeNotebook, tmp_path: Path) -> None:
    path = notebook(BASIC)
    before = sorted(p.name for p in path.parent.iterdir())
    preview = preview_package(path, cell="aml-train")
    assert preview.root is None
    assert sorted(p.name for p in path.parent.iterdir()) == before
    out = tmp_path / "pkg"
    built = build_package(path, cell="aml-train", out_dir=out)
    assert built.root == str(out)
    assert built.content_hash == preview.content_hash
    assert (out / "main.py").read_text() == preview.script
    assert sorted(p.name for p in out.iterdir()) == ["_amlx_runtime", "amlx-manifest.json", "main.py", "requirements.txt"]
    assert sorted(f for f in built.files if f.startswith("_amlx_runtime/")) == sorted(
        f"_amlx_runtime/{p.name}" for p in (out / "_amlx_runtime").iterdir()
    )
    manifest = json.loads((out / MANIFEST_NAME).read_text())
    assert manifest["content_hash"] == built.content_hash and "script" not in manifest
    assert load_package(out) == built


def test_to_dict_is_json_ready_with_the_documented_keys(notebook: MakeNotebook) -> None:
    data = preview_package(notebook(BASIC), cell="aml-train").to_dict()
    json.dumps(data)
    for key in ("script", "requirements", "parameters", "inputs", "cells", "warnings", "content_hash", "root",
                "notebook_path", "target_cell", "command", "parameter_syntax", "kernel"):
        assert key in data
    assert data["command"] == ["python", "main.py"]
    assert data["target_cell"] == {"index": 5, "id": "c5"}
    assert data["parameters"]["alpha"] == {
        "name": "alpha", "type": "float", "default": 0.5, "notebook_value": 0.5, "cell_index": 3, "line": 1, "flag": "--alpha",
    }
    assert [c["index"] for c in data["cells"]] == [1, 2, 3, 5]
    assert data["cells"][-1]["reason"] == "target cell"
    assert "defines alpha, name (used by cell 5)" in data["cells"][2]["reason"]
    assert data["cells"][-1]["explanation"] == "Cell 6 is the target cell."
    assert data["cells"][2]["explanation"] == "Cell 4 defines `alpha` and `name`, which cell 6 uses."


def test_script_keeps_user_lines_verbatim_under_cell_headers(notebook: MakeNotebook) -> None:
    package = preview_package(notebook(BASIC), cell="aml-train")
    script = package.script
    ast.parse(script)
    # parameter overrides are inserted as separate lines; without them each cell reads as written
    plain = re.sub(r"\n(\w+) = _amlx_args\.\1  # amlx: --\1 overrides this value", "", script)
    for source in ("import json\nimport os", "settings = {'lr': 0.1}\nprint(settings)", "alpha = 0.5\nname = 'run'"):
        assert source in plain
    assert "alpha = 0.5\nalpha = _amlx_args.alpha  # amlx: --alpha overrides this value\n" in script
    assert "# %% cell 1 (id c1)" in script and "# %% cell 5 (id c5)" in script
    assert "# %% cell 4" not in script and "after the target" not in script
    assert script.index("# %% cell 1") < script.index("# %% cell 2") < script.index("# %% cell 5")


def test_out_dir_must_be_new_or_empty(notebook: MakeNotebook, tmp_path: Path) -> None:
    path = notebook(BASIC)
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "keep.txt").write_text("mine")
    with pytest.raises(ValidationError) as info:
        build_package(path, cell=5, out_dir=occupied)
    assert info.value.field == "out_dir"
    assert sorted(p.name for p in occupied.iterdir()) == ["keep.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    build_package(path, cell=5, out_dir=empty)
    assert (empty / "main.py").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging folder left behind


def test_execution_history_source(tmp_path: Path) -> None:
    history = ["", "import math", "r = 2", "print('exploring')", "area = math.pi * r ** 2\nprint(area)"]
    package = preview_package(history, cell=-1, options=PackageOptions(base_dir=str(tmp_path)))
    assert package.notebook_path is None
    assert [c.index for c in package.cells] == [1, 2, 4]
    assert package.kernel.source == "current interpreter" and package.kernel.python == sys.executable
    assert "execution history" in package.script
    with pytest.raises(CellNotFoundError):
        preview_package(history, cell="aml-train")


def test_include_all_above_option(notebook: MakeNotebook) -> None:
    package = preview_package(notebook(BASIC), cell=5, options=PackageOptions(include_all_above=True))
    assert [c.index for c in package.cells] == [1, 2, 3, 4, 5]
    assert "include_all_above option" in package.cells[3].reason
    assert package.cells[3].explanation == "Cell 5 is above the target, and every cell above was asked for."


def test_options_from_dict_refuses_unknown_keys() -> None:
    assert PackageOptions.from_dict({"autolog": False}).autolog is False
    with pytest.raises(ValidationError) as info:
        PackageOptions.from_dict({"autologg": False})
    assert info.value.field == "autologg"
    with pytest.raises(ValidationError):
        PackageOptions(max_copy_bytes=-1)


# -- parameters ----------------------------------------------------------------------------


def test_parameters_cell_wins_over_other_literals(notebook: MakeNotebook) -> None:
    path = notebook(["SEED = 1", ("alpha = 0.5\nlayers = (64, 32)\nuse_bias = True", ["parameters"]),
                     "print(SEED, alpha, layers, use_bias)"])
    package = preview_package(path, cell=2)
    assert {n: p.type for n, p in package.parameters.items()} == {"alpha": "float", "layers": "literal", "use_bias": "bool"}
    assert package.cells[1].reason.startswith("cell tagged 'parameters'")
    assert package.cells[1].explanation.startswith("Cell 2 is tagged `parameters`: its values become the job's options. ")


def test_names_bound_twice_are_not_parameters(notebook: MakeNotebook) -> None:
    package = preview_package(notebook(["n = 1", "n = n + 1", "k = 3\nprint(n, k)"]), cell=2)
    assert list(package.parameters) == ["k"]


def test_parameter_overrides_change_the_default(notebook: MakeNotebook) -> None:
    path = notebook(BASIC)
    package = preview_package(path, cell=5, options=PackageOptions(parameters_override={"alpha": "0.25"}))
    assert package.parameters["alpha"].default == 0.25 and package.parameters["alpha"].notebook_value == 0.5
    (run,) = [line for line in package.script.splitlines() if line.startswith("# Run: python main.py")]
    assert "--alpha 0.25" in run  # the header's example shows the new default
    assert "alpha = _amlx_args.alpha  # amlx: --alpha overrides this value (default 0.25)" in package.script
    assert package.content_hash != preview_package(path, cell=5).content_hash
    with pytest.raises(ValidationError) as info:
        preview_package(path, cell=5, options=PackageOptions(parameters_override={"beta": 1}))
    assert "beta" in info.value.message and "alpha" in info.value.message
    with pytest.raises(ValidationError):
        preview_package(path, cell=5, options=PackageOptions(parameters_override={"alpha": "lots"}))


def test_command_line_formats_parameters(notebook: MakeNotebook) -> None:
    package = preview_package(notebook(BASIC), cell=5)
    assert package.command_line({"alpha": 0.1, "name": "x y"}) == ["python", "main.py", "--alpha", "0.1", "--name", "x y"]
    with pytest.raises(ValidationError):
        package.command_line({"nope": 1})


# -- data files ----------------------------------------------------------------------------


def test_data_files_are_copied_at_their_relative_path(notebook: MakeNotebook, tmp_path: Path) -> None:
    path = notebook(["import csv", "rows = list(csv.reader(open('data/train.csv')))\nprint(len(rows))"])
    data = path.parent / "data"
    data.mkdir()
    (data / "train.csv").write_text("a,b\n1,2\n")
    (data / "unrelated.csv").write_text("x\n")
    package = build_package(path, cell=1, out_dir=tmp_path / "pkg")
    assert [(i.path, i.kind, i.mode) for i in package.inputs] == [("data/train.csv", "file", "copied")]
    assert (tmp_path / "pkg" / "data" / "train.csv").read_text() == "a,b\n1,2\n"
    assert not (tmp_path / "pkg" / "data" / "unrelated.csv").exists()
    assert "data/train.csv" in package.files


def test_folders_named_in_code_are_copied(notebook: MakeNotebook, tmp_path: Path) -> None:
    path = notebook(["import os", "names = sorted(os.listdir('images'))\nprint(names)"])
    (path.parent / "images").mkdir()
    (path.parent / "images" / "a.txt").write_text("a")
    (path.parent / "images" / ".secret").write_text("no")
    package = build_package(path, cell=1, out_dir=tmp_path / "pkg")
    assert [(i.path, i.kind) for i in package.inputs] == [("images", "directory")]
    assert sorted(p.name for p in (tmp_path / "pkg" / "images").iterdir()) == ["a.txt"]


def test_large_files_become_job_inputs(notebook: MakeNotebook, tmp_path: Path) -> None:
    path = notebook(["text = open('big.txt').read()\nprint(len(text))"])
    (path.parent / "big.txt").write_text("x" * 2048)
    package = build_package(path, cell=0, out_dir=tmp_path / "pkg", options=PackageOptions(max_copy_bytes=1024))
    (item,) = package.inputs
    assert (item.path, item.mode, item.option, item.size_bytes) == ("big.txt", "job_input", "--input-big_txt", 2048)
    assert not (tmp_path / "pkg" / "big.txt").exists()
    assert "--input-big_txt" in package.script
    assert package.command_line(inputs={"big.txt": "/data/big.txt"})[-2:] == ["--input-big_txt", "/data/big.txt"]


def test_job_inputs_option_makes_a_small_file_a_job_input(notebook: MakeNotebook, tmp_path: Path) -> None:
    path = notebook(["import pandas as pd", "df = pd.read_csv('data/titanic.csv')\nprint(len(df))"])
    (path.parent / "data").mkdir()
    (path.parent / "data" / "titanic.csv").write_text("Age\n22\n")
    default = preview_package(path, cell=1)
    options = PackageOptions.from_dict({"job_inputs": ["./data//titanic.csv"]})  # any spelling of the path
    assert options.job_inputs == ("data/titanic.csv",)
    package = build_package(path, cell=1, out_dir=tmp_path / "pkg", options=options)
    (item,) = package.inputs
    assert (item.path, item.kind, item.mode, item.option) == ("data/titanic.csv", "file", "job_input", "--input-data_titanic_csv")
    assert item.source == str((path.parent / "data" / "titanic.csv").resolve()) and item.sha256 is None
    assert not (tmp_path / "pkg" / "data").exists() and "data/titanic.csv" not in package.files
    assert "# Inputs: --input-data_titanic_csv PATH for data/titanic.csv" in package.script
    assert package.content_hash != default.content_hash  # another input mode is another package
    assert package.command_line(inputs={"./data/titanic.csv": "/mnt/t.csv"})[-2:] == ["--input-data_titanic_csv", "/mnt/t.csv"]
    assert load_package(tmp_path / "pkg").inputs == package.inputs


def test_job_inputs_must_be_read_by_the_slice(notebook: MakeNotebook) -> None:
    path = notebook([
        "import os",
        "print(open('notes.txt').read())",  # exploration: not needed by the target cell
        "names = os.listdir('images')\nrows = open('train.csv').read()\nprint(names, rows)",
    ])
    (path.parent / "notes.txt").write_text("n")
    (path.parent / "train.csv").write_text("a\n")
    (path.parent / "images").mkdir()
    (path.parent / "images" / "a.png").write_bytes(b"png")
    with pytest.raises(ValidationError) as info:
        preview_package(path, cell=2, options=PackageOptions(job_inputs=("notes.txt",)))
    assert info.value.field == "job_inputs"
    assert "'notes.txt'" in info.value.message and "'images', 'train.csv'" in info.value.message
    assert info.value.details["reads"] == ["images", "train.csv"]
    with pytest.raises(ValidationError) as info:
        preview_package(path, cell=2, options=PackageOptions(job_inputs=("images/a.png",)))
    assert info.value.field == "job_inputs" and "name 'images' instead" in info.value.message
    folder = preview_package(path, cell=2, options=PackageOptions(job_inputs=("images",)))
    assert [(i.path, i.mode) for i in folder.inputs] == [("images", "job_input"), ("train.csv", "copied")]
    for bad in ("train.csv", ["train.csv", 3], {"train.csv": 1}):
        with pytest.raises(ValidationError) as info:
            PackageOptions.from_dict({"job_inputs": bad})
        assert info.value.field == "job_inputs"


def test_paths_outside_the_notebook_folder_are_never_copied(notebook: MakeNotebook, tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    path = notebook([
        f"a = open({str(outside)!r}).read()\nb = open('../secret.txt').read()\nc = open('../../../../../../etc/passwd').read()\n"
        "d = open('.env').read()\ne = open('link.txt').read()\nprint(a, b, c, d, e)"
    ])
    (path.parent / ".env").write_text("TOKEN=x")
    (path.parent / "link.txt").symlink_to(outside)
    package = build_package(path, cell=0, out_dir=tmp_path / "pkg")
    assert package.inputs == ()
    text = "\n".join(package.warnings)
    for fragment in ("absolute path", "leaves the notebook's folder", "hidden file", "resolves outside"):
        assert fragment in text
    assert "etc/passwd" in text
    assert sorted(p.name for p in (tmp_path / "pkg").iterdir()) == ["_amlx_runtime", "amlx-manifest.json", "main.py", "requirements.txt"]


def test_outputs_folder_is_not_an_input(notebook: MakeNotebook) -> None:
    path = notebook(["import pathlib\npathlib.Path('outputs/model.txt').write_text('m')"])
    (path.parent / "outputs").mkdir()
    (path.parent / "outputs" / "model.txt").write_text("old run")
    assert preview_package(path, cell=0).inputs == ()


def test_files_the_notebook_writes_are_outputs_not_inputs(
    notebook: MakeNotebook, tmp_path: Path, run_job: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    """A file left by the last notebook run is not shipped when the code writes it before reading it."""
    path = notebook([
        "import pandas as pd\ntrain = pd.read_csv('train.csv')",
        "train['double'] = train['a'] * 2\ntrain.to_csv('submission.csv', index=False)\n"
        "with open('log.txt', 'w') as fh:\n    fh.write('done')",
        "back = pd.read_csv('submission.csv')\nprint(back['double'].tolist(), open('log.txt').read())",
    ])
    (path.parent / "train.csv").write_text("a\n1\n2\n")
    (path.parent / "submission.csv").write_text("stale\n")  # from an earlier run of the notebook
    (path.parent / "log.txt").write_text("stale")
    package = build_package(path, cell=2, out_dir=tmp_path / "pkg", options=PackageOptions(autolog=False))
    assert [c.index for c in package.cells] == [0, 1, 2]  # the target reads what cell 1 writes
    assert package.cells[1].explanation == "Cell 2 writes the files `log.txt` and `submission.csv`, which cell 3 uses."
    assert [i.path for i in package.inputs] == ["train.csv"]
    assert sorted(p.name for p in (tmp_path / "pkg").iterdir()) == [
        "_amlx_runtime", "amlx-manifest.json", "main.py", "requirements.txt", "train.csv"
    ]
    notes = [w for w in package.warnings if "before reading it" in w]
    assert len(notes) == 2 and "'submission.csv'" in notes[0] and "'log.txt'" in notes[1]
    done = run_job(tmp_path / "pkg", env={"MLFLOW_TRACKING_URI": ""})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "[2, 4] done" in done.stdout


def test_a_file_read_before_the_code_writes_it_is_still_an_input(notebook: MakeNotebook) -> None:
    path = notebook(["import pandas as pd\nscores = pd.read_csv('scores.csv')", "scores.to_csv('scores.csv')\nprint(len(scores))"])
    (path.parent / "scores.csv").write_text("s\n1\n")
    package = preview_package(path, cell=1)
    assert [i.path for i in package.inputs] == ["scores.csv"]
    assert not [w for w in package.warnings if "before reading it" in w]


def test_local_modules_are_copied(notebook: MakeNotebook, tmp_path: Path) -> None:
    path = notebook(["import helpers", "print(helpers.double(2))"])
    (path.parent / "helpers.py").write_text("def double(x):\n    return 2 * x\n")
    package = build_package(path, cell=1, out_dir=tmp_path / "pkg")
    assert [(i.path, i.kind) for i in package.inputs] == [("helpers.py", "module")]
    assert not any("helpers" in r for r in package.requirements)
    assert (tmp_path / "pkg" / "helpers.py").is_file()


# -- requirements --------------------------------------------------------------------------


def test_requirements_are_pinned_from_the_kernel(notebook: MakeNotebook) -> None:
    path = notebook(["import sklearn\nimport numpy as np\nimport json\nfrom pandas import DataFrame", "print(np, sklearn, json, DataFrame)"])
    package = preview_package(path, cell=1)
    import numpy
    import pandas
    import sklearn

    assert f"scikit-learn=={sklearn.__version__}" in package.requirements
    assert f"numpy=={numpy.__version__}" in package.requirements
    assert f"pandas=={pandas.__version__}" in package.requirements
    assert not any(r.startswith("json") for r in package.requirements)
    assert any(r.startswith("mlflow==") for r in package.requirements)  # autolog is on
    assert package.kernel.source == "kernelspec" and package.kernel.name == "python3"
    without = preview_package(path, cell=1, options=PackageOptions(autolog=False))
    assert not any(r.startswith("mlflow") for r in without.requirements)


def test_pip_installs_in_the_notebook_become_requirements(notebook: MakeNotebook) -> None:
    path = notebook(["%pip install scikit-learn not-a-real-package-amlx==1.0\n", "!pip install another-missing-amlx", "x = 1"])
    package = preview_package(path, cell=2, options=PackageOptions(autolog=False))
    import sklearn

    assert f"scikit-learn=={sklearn.__version__}" in package.requirements
    assert "not-a-real-package-amlx==1.0" in package.requirements
    assert "another-missing-amlx" in package.requirements
    assert any("another-missing-amlx" in w and "unpinned" in w for w in package.warnings)


def test_modules_missing_from_the_kernel_are_warned(notebook: MakeNotebook) -> None:
    package = preview_package(notebook(["import amlx_surely_missing_module", "print(amlx_surely_missing_module)"]), cell=1)
    assert any("amlx_surely_missing_module" in w and "not installed" in w for w in package.warnings)


def test_unknown_kernelspec_falls_back_with_a_warning(notebook: MakeNotebook) -> None:
    package = preview_package(notebook(["x = 1"], kernel="no-such-kernel-amlx"), cell=0)
    assert package.kernel.python == sys.executable and package.kernel.source == "current interpreter"
    assert any("no-such-kernel-amlx" in w and "current interpreter" in w for w in package.warnings)


def test_kernel_python_from_a_kernelspec_in_another_environment(notebook: MakeNotebook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A kernelspec naming another interpreter is asked, not the server's one."""
    env = tmp_path / "otherenv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True, timeout=120)
    python = env / "bin" / "python"
    kernels = tmp_path / "jupyter" / "kernels" / "other"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "other", "language": "python",
    }))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    package = preview_package(notebook(["import sklearn", "print(sklearn)"], kernel="other"), cell=1)
    assert package.kernel.python == str(python) and package.kernel.source == "kernelspec"
    # the bare venv has no scikit-learn (nor mlflow): nothing pinned, and the user is told
    assert not any(r.startswith("scikit-learn") for r in package.requirements)
    assert any("'sklearn'" in w and str(python) in w for w in package.warnings)

    # a kernelspec that starts the interpreter through a launcher (as ``conda run`` does) is asked through it
    wrapped = tmp_path / "jupyter" / "kernels" / "wrapped"
    wrapped.mkdir()
    (wrapped / "kernel.json").write_text(json.dumps({
        "argv": ["env", "PYTHONNOUSERSITE=1", "python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "wrapped", "language": "python",
    }))
    monkeypatch.setenv("PATH", f"{python.parent}{os.pathsep}{os.environ['PATH']}")
    through = preview_package(notebook(["import sklearn", "print(sklearn)"], name="w.ipynb", kernel="wrapped"), cell=1)
    assert through.kernel.launcher == ("env", "PYTHONNOUSERSITE=1")
    assert Path(through.kernel.python).parent == python.parent  # the probe reported the venv's interpreter
    assert not any(r.startswith("scikit-learn") for r in through.requirements)


def test_kernel_python_option_and_probe_cache(notebook: MakeNotebook) -> None:
    clear_probe_cache()
    path = notebook(["import numpy", "print(numpy)"])
    first = preview_package(path, cell=1, options=PackageOptions(kernel_python=sys.executable))
    assert first.kernel.source == "kernel_python option"
    assert probe_environment(sys.executable) is probe_environment(sys.executable)  # cached
    with pytest.raises(ValidationError) as info:
        preview_package(path, cell=1, options=PackageOptions(kernel_python="/no/such/python"))
    assert info.value.field == "kernel_python"


def test_mlflow_is_not_imported_by_packaging(notebook: MakeNotebook) -> None:
    code = (
        "import sys\nfrom amlx_lab.notebook import preview_package\n"
        f"preview_package({str(notebook(BASIC))!r}, cell=5)\n"
        "assert 'mlflow' not in sys.modules, 'mlflow imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_package_record_type(notebook: MakeNotebook) -> None:
    assert isinstance(preview_package(notebook(BASIC), cell=5), JobPackage)
