"""A change made through another name keeps its cell: aliases, loop variables, containers, parameters.

Each case is a small notebook whose last cell is the target. The test checks
the slice, then runs it for real next to every cell above (in one worker
process, each program in a fresh namespace) and compares what the target
prints: a slice that leaves out a change prints something else, or fails.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from amlx_lab.notebook.analysis import analyze_cell
from amlx_lab.notebook.ipython_syntax import convert_cell
from amlx_lab.notebook.slicer import SliceResult, Unit, slice_units

FRAME = "import pandas as pd\ntrain = pd.DataFrame({'Name': ['Braund, Mr. Owen', 'Cumings, Mrs. John'], 'Age': [22.0, None], 'Cabin': ['C85', None], 'Sex': ['male', 'female']})\ntest = train.copy()"

# (name, cells, the cells the target needs); the last cell is the target.
CASES = [
    (
        "the issue's first case: item assignment through a loop variable over a list",
        [
            "import pandas as pd; train = pd.DataFrame({'Name': ['Braund, Mr. Owen', 'Cumings, Mrs. John']}); test = train.copy()",
            "for ds in [train, test]: ds['Title'] = ds['Name'].str.extract(r' ([A-Za-z]+)\\.', expand=False)",
            "print(train['Title'].tolist())",
        ],
        [0, 1, 2],
    ),
    (
        "the issue's second case: inplace=True through a loop variable over a tuple",
        [
            "import pandas as pd; train = pd.DataFrame({'Age': [22.0, None], 'Cabin': ['C85', None]}); test = train.copy()",
            "for d in (train, test): d.fillna({'Age': 28.0}, inplace=True)",
            "print(train.isna().sum().sum())",
        ],
        [0, 1, 2],
    ),
    (
        "the issue's third case: a plain alias in the same cell",
        [
            "import pandas as pd; train = pd.DataFrame({'Age': [22.0, None, 30.0]})",
            "df = train; df['Age'] = df['Age'].fillna(df['Age'].median())",
            "print(train['Age'].isna().sum())",
        ],
        [0, 1, 2],
    ),
    (
        "a list comprehension run for its in-place drops",
        [FRAME, "[d.drop('Cabin', axis=1, inplace=True) for d in [train, test]]", "print(train.columns.tolist())"],
        [0, 1, 2],
    ),
    (
        "a notebook function called on each loop variable",
        [
            FRAME,
            "def add_title(frame):\n    frame['Title'] = frame['Name'].str.extract(r' ([A-Za-z]+)\\.', expand=False)",
            "for d in [train, test]:\n    add_title(d)",
            "print(test['Title'].tolist())",
        ],
        [0, 1, 2, 3],
    ),
    (
        "a dict of frames changed through its items",
        [
            FRAME,
            "frames = {'train': train, 'test': test}",
            "frames['train']['Sex'] = frames['train']['Sex'].map({'male': 0, 'female': 1})",
            "print(train['Sex'].tolist())",
        ],
        [0, 1, 2, 3],
    ),
    (
        "an alias made in one cell and used to change the frame in a later one",
        [FRAME, "df = train", "print(len(df))", "df['Young'] = df['Age'] < 30", "print(train.columns.tolist())"],
        [0, 1, 3, 4],
    ),
    (
        "a change of the original seen through an alias made earlier",
        [FRAME, "df = train", "train['Young'] = train['Age'] < 30", "print(df.columns.tolist())"],
        [0, 1, 2, 3],
    ),
    (
        "a reassignment ends the alias",
        [FRAME, "df = train", "df = pd.DataFrame({'z': [1]})", "df['w'] = 2", "print(train.columns.tolist())"],
        [0, 4],
    ),
    (
        "tuple unpacking pairs names one to one",
        [FRAME, "a, b = train, test", "b['Only'] = 1", "a['Both'] = 1", "print(train.columns.tolist())"],
        [0, 1, 3, 4],
    ),
    (
        "a function returning its argument",
        [FRAME, "def same(frame):\n    return frame", "t = same(train)", "t['Seen'] = True", "print(train.columns.tolist())"],
        [0, 1, 2, 3, 4],
    ),
    (
        "a notebook function handed to DataFrame.pipe",
        [FRAME, "def add_flag(frame):\n    frame['Flag'] = 1\n    return frame", "train.pipe(add_flag)", "print(train.columns.tolist())"],
        [0, 1, 2, 3],
    ),
    (
        "a lambda applied by map over a list of frames",
        [FRAME, "list(map(lambda d: d.drop('Cabin', axis=1, inplace=True), [train, test]))", "print(train.columns.tolist())"],
        [0, 1, 2],
    ),
    (
        "a frame appended to a list, then changed through the list",
        [FRAME, "frames = []", "frames.append(train)", "frames[0]['Listed'] = 1", "print(train.columns.tolist())"],
        [0, 1, 2, 3, 4],
    ),
    (
        "a frame stored as an attribute, then changed through it",
        [FRAME, "import types\nbox = types.SimpleNamespace()", "box.frame = train", "box.frame['Boxed'] = 1", "print(train.columns.tolist())"],
        [0, 1, 2, 3, 4],
    ),
    (
        "enumerate over a list of frames",
        [FRAME, "for i, d in enumerate([train, test]):\n    d['Position'] = i", "print(test['Position'].tolist())"],
        [0, 1, 2],
    ),
    (
        "the items of a dict of frames",
        [FRAME, "frames = {'train': train, 'test': test}", "for name, d in frames.items():\n    d['Split'] = name", "print(test['Split'].tolist())"],
        [0, 1, 2, 3],
    ),
    (
        "a function whose body changes globals through a loop variable",
        [FRAME, "def prepare():\n    for d in [train, test]:\n        d['Prepared'] = True", "prepare()", "print(test.columns.tolist())"],
        [0, 1, 2, 3],
    ),
    (
        "a list changed through an alias",
        ["a = [1]", "b = a", "b.append(2)", "print(a)"],
        [0, 1, 2, 3],
    ),
    (
        "augmented assignment changes a list in place",
        ["lst = [1]", "alias = lst", "lst += [2]", "print(alias)"],
        [0, 1, 2, 3],
    ),
    (
        "a class whose __init__ changes its argument",
        [FRAME, "class Marker:\n    def __init__(self, frame):\n        frame['Marked'] = 1", "m = Marker(test)", "print(test.columns.tolist())"],
        [0, 1, 2, 3],
    ),
    (
        "a lambda bound to a name, called for its result",
        [FRAME, "fill = lambda d: d.fillna({'Age': 0.0}, inplace=True)", "result = fill(train)", "print(train['Age'].tolist())"],
        [0, 1, 2, 3],
    ),
    (
        ".loc assignment through a loop variable",
        [FRAME, "for ds in (train, test):\n    ds.loc[ds['Age'].isna(), 'Age'] = 0.0", "print(train['Age'].tolist())"],
        [0, 1, 2],
    ),
    (
        "a loop over a named list of frames",
        [FRAME, "datasets = [train, test]", "for d in datasets:\n    d['Named'] = 1", "print(test.columns.tolist())"],
        [0, 1, 2, 3],
    ),
    (
        "a while loop over a list of frames",
        [FRAME, "queue = [train, test]\nwhile queue:\n    queue.pop()['Popped'] = 1", "print(train.columns.tolist())"],
        [0, 1, 2],
    ),
    (
        "setattr changes its object; what an object once held still counts (cells 1 and 3 are extra, not wrong)",
        ["import types\nholder = types.SimpleNamespace(items=[])", "items = holder.items", "setattr(holder, 'items', [1])\nholder.items.append(2)", "items.append(3)", "print(holder.items)"],
        [0, 1, 2, 3, 4],
    ),
    (
        "a default value that is a frame, changed by a call without that argument",
        [FRAME, "def mark(frame=train):\n    frame['Default'] = 1", "mark()", "print(train.columns.tolist())"],
        [0, 1, 2, 3],
    ),
    (
        "a function that stores its argument in a global list, changed later through the list",
        [FRAME, "registry = []", "def register(frame):\n    registry.append(frame)", "register(test)", "registry[0]['Registered'] = 1", "print(test.columns.tolist())"],
        [0, 1, 2, 3, 4, 5],
    ),
    (
        "a method of a notebook class that changes its argument",
        [FRAME, "class Cleaner:\n    def clean(self, frame):\n        frame.fillna({'Age': -1.0}, inplace=True)", "cleaner = Cleaner()", "done = cleaner.clean(train)", "print(train['Age'].tolist())"],
        [0, 1, 2, 3, 4],
    ),
    (
        "a function taken from a list and called",
        [FRAME, "def tag(frame):\n    frame['Tagged'] = 1", "steps = [tag]", "result = steps[0](test)", "print(test.columns.tolist())"],
        [0, 1, 2, 3, 4],
    ),
    (
        "a generator that yields the frames",
        [FRAME, "def batches():\n    for d in [train, test]:\n        yield d", "for d in batches():\n    d['Batch'] = 1", "print(train.columns.tolist())"],
        [0, 1, 2, 3],
    ),
    (
        "a closure returned by a function, called later",
        [FRAME, "def make(frame):\n    return lambda: frame", "get = make(test)", "get()['Closed'] = 1", "print(test.columns.tolist())"],
        [0, 1, 2, 3, 4],
    ),
    (
        "exploration through an alias is still left out",
        [FRAME, "df = train", "df.head()", "print(df.describe())", "print(train['Age'].tolist())"],
        [0, 4],
    ),
]


def slice_of(cells: list[str]) -> tuple[list[Unit], SliceResult]:
    units = [Unit(i, None, analyze_cell(convert_cell(c).code)) for i, c in enumerate(cells)]
    return units, slice_units(units)


@pytest.mark.parametrize(("cells", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_alias_changes_keep_their_cells(cells: list[str], expected: list[int], cell_runner) -> None:
    units, result = slice_of(cells)
    assert [units[p].index for p in result.positions] == expected
    assert [u.name for u in result.undefined if not u.soft] == []
    everything = cell_runner.run(cells)
    assert everything.error is None, everything.error
    job = cell_runner.run([cells[i] for i in expected])
    assert job.error is None, job.error
    assert job.last == everything.last


def _explained(cells: list[str]) -> dict[int, str]:
    from amlx_lab.notebook import preview_package

    return {c.index: c.explanation for c in preview_package(cells, cell=-1).cells}


def test_the_preview_says_which_name_a_change_went_through() -> None:
    why = _explained(CASES[0][1])
    assert why[1] == (
        "Cell 2 changes `test` and `train` through the loop variable `ds` (item assignment, line 1), and cell 3 uses them."
    ) or why[1] == "Cell 2 changes `train` through the loop variable `ds` (item assignment, line 1), and cell 3 uses it."
    assert why[2] == "Cell 3 is the target cell."
    assert why[0].startswith("Cell 1 defines `")


def test_the_preview_names_alias_container_and_parameter_routes() -> None:
    alias = _explained([FRAME, "df = train", "df['Young'] = df['Age'] < 30", "print(train.columns.tolist())"])
    assert alias[2] == (
        "Cell 3 changes `train` through `df`, another name for the same object (item assignment, line 1), and cell 4 uses it."
    )
    container = _explained(CASES[5][1])
    assert container[2].startswith("Cell 3 changes `train` through the container `frames` (item assignment, line 1)")
    called = _explained(CASES[4][1])
    assert called[2] == (
        "Cell 3 changes `test` through the loop variable `d` (add_title() changes its argument `frame`, line 2), "
        "and cell 4 uses it."
    )
    comprehension = _explained(CASES[3][1])
    assert comprehension[1].startswith("Cell 2 changes `train` through the comprehension variable `d`")
    held = _explained([FRAME, "frames = [train]", "train['Late'] = 1", "print(frames[0].columns.tolist())"])
    assert held[2] == "Cell 3 changes `frames` through `train`, an object inside it (item assignment, line 1), and cell 4 uses it."


# The feature-engineering idiom of public Titanic notebooks, on the example data: every feature is made
# for train and test together through a loop or comprehension variable; only the last cell names them.
TITANIC = [
    "import pandas as pd\nfrom sklearn.linear_model import LogisticRegression",
    "full = pd.read_csv('data/titanic.csv')\ntrain = full.iloc[:600].copy()\ntest = full.iloc[600:].copy()\ncombine = [train, test]",
    "train.head()",
    "for dataset in combine:\n    dataset['Title'] = dataset['Name'].str.extract(r' ([A-Za-z]+)\\.', expand=False)",
    "pd.crosstab(train['Title'], train['Sex'])",
    (
        "for dataset in combine:\n    dataset['Title'] = dataset['Title'].replace(['Lady', 'Countess', 'Capt', 'Col', 'Don', 'Dr', 'Major', 'Rev', 'Sir', 'Jonkheer', 'Dona'], 'Rare')\n"
        "    dataset['Title'] = dataset['Title'].replace({'Mlle': 'Miss', 'Ms': 'Miss', 'Mme': 'Mrs'})\n"
        "    dataset['Title'] = dataset['Title'].map({'Mr': 1, 'Miss': 2, 'Mrs': 3, 'Master': 4, 'Rare': 5}).fillna(0)"
    ),
    "for dataset in (train, test):\n    dataset['Sex'] = dataset['Sex'].map({'female': 1, 'male': 0}).astype(int)",
    "for dataset in combine:\n    dataset.fillna({'Age': 28.0}, inplace=True)\n    dataset['IsAlone'] = (dataset['SibSp'] + dataset['Parch'] == 0).astype(int)",
    "train[['IsAlone', 'Survived']].groupby('IsAlone').mean()",
    "[d.drop(['Cabin', 'Ticket', 'Name'], axis=1, inplace=True) for d in combine]",
    (
        "features = ['Pclass', 'Sex', 'Age', 'Title', 'IsAlone']\nmodel = LogisticRegression(max_iter=1000).fit(train[features], train['Survived'])\n"
        "print(f\"accuracy: {model.score(test[features], test['Survived']):.4f}\")\nprint(sorted(train.columns))"
    ),
]


@pytest.mark.slow
def test_titanic_feature_loops_run_as_a_job_print_the_notebooks_numbers(
    notebook, tmp_path, run_job, cell_runner
) -> None:
    """Built and run as a job (main.py), the training cell prints what the notebook prints."""
    import shutil
    from pathlib import Path

    from amlx_lab.notebook import PackageOptions, build_package

    path = notebook(TITANIC, name="titanic_features.ipynb")
    shutil.copytree(Path(__file__).resolve().parents[2] / "examples" / "data", path.parent / "data")
    package = build_package(path, cell=len(TITANIC) - 1, out_dir=tmp_path / "job", options=PackageOptions(autolog=False))
    assert [c.index for c in package.cells] == [0, 1, 3, 5, 6, 7, 9, 10]
    assert package.cells[2].explanation.startswith("Cell 4 changes ")
    assert "through the loop variable `dataset`" in package.cells[2].explanation
    done = run_job(tmp_path / "job", env={"MLFLOW_TRACKING_URI": ""})
    assert done.returncode == 0, done.stderr[-3000:]
    reference = subprocess.run(
        [sys.executable, "-c", "\n".join(TITANIC)], cwd=path.parent, capture_output=True, text=True, timeout=300, check=False
    )
    assert reference.returncode == 0, reference.stderr[-3000:]
    printed = [line for line in done.stdout.splitlines() if not line.startswith("amlx:")]
    assert printed == reference.stdout.splitlines()
    assert printed[0].startswith("accuracy: ") and "IsAlone" in printed[1] and "Cabin" not in printed[1]
