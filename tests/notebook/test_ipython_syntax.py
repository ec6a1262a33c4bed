"""IPython syntax -> plain Python, through IPython's own transformers."""

from __future__ import annotations

import ast

import pytest

from amlx_lab.notebook.ipython_syntax import convert_cell, parse_pip_install


def test_plain_python_is_returned_untouched() -> None:
    source = "import pandas as pd\ndf = pd.DataFrame({'a': [1]})  # comment kept\n"
    converted = convert_cell(source)
    assert converted.code == source
    assert not converted.changed and not converted.notes and not converted.requirements


@pytest.mark.parametrize(
    ("source", "requirements"),
    [
        ("%pip install xgboost==2.0.3\n", ["xgboost==2.0.3"]),
        ("!pip install -q -U lightgbm 'pandas>=2'\n", ["lightgbm", "pandas>=2"]),
        ("!python -m pip install --index-url https://x.example/simple catboost\n", ["catboost"]),
        ("%pip install --quiet seaborn statsmodels\n", ["seaborn", "statsmodels"]),
        ("!pip3 install shap\n", ["shap"]),
    ],
)
def test_pip_installs_become_requirements(source: str, requirements: list[str]) -> None:
    converted = convert_cell(source)
    assert [r.spec for r in converted.requirements] == requirements
    assert all(r.line == 1 for r in converted.requirements)
    assert "moved to requirements.txt" in converted.code
    assert not [n for n in converted.notes if n.warning]
    ast.parse(converted.code)


def test_requirement_file_installs_are_reported_not_guessed() -> None:
    specs, problems = parse_pip_install("-r requirements-dev.txt numpy")
    assert specs == ["numpy"]
    assert problems and "requirements-dev.txt" in problems[0]


def test_line_magics_are_dropped_with_a_warning_naming_the_line() -> None:
    converted = convert_cell("import os\n%matplotlib inline\n%load_ext autoreload\nx = 1\n")
    warnings = [(n.line, n.message) for n in converted.notes if n.warning]
    assert [line for line, _ in warnings] == [3]
    assert "%load_ext autoreload" in warnings[0][1]
    # %matplotlib loses nothing: the job saves its figures as outputs
    (note,) = [n for n in converted.notes if n.line == 2]
    assert not note.warning and "outputs/figures/" in note.message
    lines = converted.code.splitlines()
    assert lines[0] == "import os" and lines[3] == "x = 1"  # user lines stay verbatim, in place
    assert lines[1].startswith("# %matplotlib inline")


def test_help_is_dropped_quietly() -> None:
    converted = convert_cell("df?\nlen??\n")
    assert converted.notes and not [n for n in converted.notes if n.warning]
    ast.parse(converted.code)


def test_time_magics_keep_the_code_they_wrap() -> None:
    line = convert_cell("%time model = fit(X)\n")
    assert line.code.startswith("model = fit(X)  # %time")
    cell = convert_cell("%%time\nmodel = fit(X)\nscore = model.score(X)\n")
    assert "model = fit(X)\nscore = model.score(X)" in cell.code
    assert not [n for n in cell.notes if n.warning]


def test_pip_inside_a_time_cell_is_found_at_its_own_line() -> None:
    converted = convert_cell("%%time\nx = 1\n%pip install polars\n")
    assert [(r.spec, r.line) for r in converted.requirements] == [("polars", 3)]


def test_shell_escapes_are_dropped_with_a_warning() -> None:
    converted = convert_cell("!wget https://example.com/data.csv\nx = 2\n")
    assert any("shell command" in n.message and n.line == 1 for n in converted.notes if n.warning)
    assert "x = 2" in converted.code
    assert "wget" not in converted.code.replace("# !wget", "")


def test_shell_output_assignment_is_dropped_and_the_name_remembered() -> None:
    converted = convert_cell("files = !ls data\nprint(files)\n")
    assert converted.dropped_names == {"files": 1}
    assert "files = !ls data" in converted.code  # shown as a comment, the user recognises it
    assert "print(files)" in converted.code


def test_magics_inside_blocks_keep_the_block_valid() -> None:
    converted = convert_cell("for i in range(3):\n    !echo {i}\n")
    assert "    pass  # !echo {i}" in converted.code
    ast.parse(converted.code)


def test_env_magic_sets_the_variable() -> None:
    converted = convert_cell("%env PYTHONHASHSEED=0\n")
    assert "_amlx_os.environ['PYTHONHASHSEED'] = '0'" in converted.code


def test_writefile_writes_the_file() -> None:
    converted = convert_cell("%%writefile helper.py\ndef f():\n    return 1\n")
    assert "open('helper.py', 'w'" in converted.code
    assert "def f():\\n    return 1\\n" in converted.code
    compile(converted.code, "<cell>", "exec")


def test_bash_cells_are_dropped() -> None:
    converted = convert_cell("%%bash\nrm -rf /tmp/x\n")
    assert "rm -rf" not in converted.code.replace("# %%bash", "")
    assert [n for n in converted.notes if n.warning]


def test_history_entries_already_transformed_are_handled() -> None:
    """A kernel's ``In`` holds IPython's transformed text; it must convert the same way."""
    converted = convert_cell("get_ipython().run_line_magic('pip', 'install rich')\nimport rich\n")
    assert [r.spec for r in converted.requirements] == ["rich"]
    assert "import rich" in converted.code


def test_invalid_python_raises_with_the_line() -> None:
    with pytest.raises(SyntaxError) as info:
        convert_cell("x = 1\ny = (2,\n")
    assert info.value.lineno in (2, 3)
