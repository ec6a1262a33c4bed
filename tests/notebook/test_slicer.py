"""The minimal slice on real-world cell patterns (pure: no kernel, no files)."""

from __future__ import annotations

import pytest

from amlx_lab.notebook.analysis import analyze_cell
from amlx_lab.notebook.ipython_syntax import convert_cell
from amlx_lab.notebook.slicer import Unit, slice_units


def sliced(cells: list[str], *, include_all: bool = False) -> tuple[list[int], list[str]]:
    """Indices of the cells the last cell needs, and the names nothing defines (hard errors)."""
    units = [Unit(i, None, analyze_cell(convert_cell(c).code)) for i, c in enumerate(cells)]
    result = slice_units(units, include_all=include_all)
    return [units[p].index for p in result.positions], [u.name for u in result.undefined if not u.soft]


# (name, cells, expected indices); the last cell is the target.
PATTERNS = [
    (
        "pandas method chain, exploration left out",
        [
            "import pandas as pd",
            "df = pd.DataFrame({'a': [1.0, 2.0], 'b': [2.0, 0.0]})",
            "df.head()",
            "clean = (\n    df.dropna()\n    .assign(r=lambda d: d.a / d.b)\n    .query('r > 0')\n)",
            "clean.describe()",
            "features = clean[['r']]\nprint(features.shape)",
        ],
        [0, 1, 3, 5],
    ),
    (
        "train_test_split tuple unpacking",
        [
            "from sklearn.model_selection import train_test_split\nimport numpy as np",
            "X = np.arange(20).reshape(10, 2)\ny = np.arange(10) % 2",
            "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)",
            "X_test.shape",
            "print(len(X_train), y_train.sum())",
        ],
        [0, 1, 2, 4],
    ),
    (
        "pipeline built, configured and fitted in separate cells",
        [
            "from sklearn.pipeline import make_pipeline\nfrom sklearn.preprocessing import StandardScaler\n"
            "from sklearn.linear_model import LogisticRegression",
            "X = [[0.0], [1.0], [2.0], [3.0]]\ny = [0, 0, 1, 1]",
            "pipe = make_pipeline(StandardScaler(), LogisticRegression())",
            "pipe",
            "pipe.set_params(logisticregression__C=0.5)",
            "pipe.fit(X, y)",
            "pipe.score(X, y)",
            "print(pipe.predict([[1.5]]))",
        ],
        [0, 1, 2, 4, 5, 7],
    ),
    (
        "helper functions defined earlier; unused helper left out",
        [
            "import numpy as np",
            "def rmse(a, b):\n    return np.sqrt(((a - b) ** 2).mean())",
            "def unused():\n    return 1",
            "SCALE = 2",
            "def scaled(x):\n    return x * SCALE",
            "y = np.ones(3)",
            "print(rmse(scaled(y), y))",
        ],
        [0, 1, 3, 4, 5, 6],
    ),
    (
        "a function's globals resolve where it is called, not where it is defined",
        ["def f():\n    return K + 1", "K = 41", "print(f())"],
        [0, 1, 2],
    ),
    (
        "in-place mutation: inplace=True, item and .loc assignment, list.append, attribute assignment",
        [
            "import pandas as pd",
            "df = pd.DataFrame({'a': [1.0, None]})",
            "df.fillna(0, inplace=True)",
            "df['b'] = df['a'] * 2",
            "df.loc[0, 'a'] = 5",
            "df.head()",
            "lst = []",
            "lst.append(1)",
            "lst",
            "import types\ncfg = types.SimpleNamespace()",
            "cfg.lr = 0.1",
            "print(df.b.sum(), lst, cfg.lr)",
        ],
        [0, 1, 2, 3, 4, 6, 7, 9, 10, 11],
    ),
    (
        "augmented assignment, walrus, for and with targets",
        [
            "total = 0",
            "total += 5",
            "if (n := 3) > 2:\n    pass",
            "for i in range(3):\n    last = i",
            "import contextlib",
            "with contextlib.nullcontext(7) as seven:\n    pass",
            "print(total, n, last, i, seven)",
        ],
        [0, 1, 2, 3, 4, 5, 6],
    ),
    (
        "del and redefinition",
        ["x = 1", "y = 2", "del x", "x = 3", "print(x, y)"],
        [1, 3, 4],
    ),
    (
        "global assigned inside a function counts where the function is called",
        ["def setup():\n    global CONFIG\n    CONFIG = {'lr': 0.1}", "x = 0", "setup()", "print(CONFIG['lr'])"],
        [0, 2, 3],
    ),
    (
        "function that mutates its argument",
        [
            "import pandas as pd",
            "def add_col(frame):\n    frame['z'] = 1",
            "df = pd.DataFrame({'a': [1]})",
            "add_col(df)",
            "print(df.z.sum())",
        ],
        [0, 1, 2, 3, 4],
    ),
    (
        "function that only displays its argument is not a mutation",
        [
            "def show(frame):\n    print(frame)\n    print(frame.head())",
            "import pandas as pd\ndf = pd.DataFrame({'a': [1]})",
            "show(df)",
            "print(df.a.sum())",
        ],
        [1, 3],
    ),
    (
        "display-only cells (plots, print, display, describe) are left out",
        [
            "import matplotlib.pyplot as plt\nimport pandas as pd",
            "df = pd.DataFrame({'a': [1, 2]})",
            "df.plot()\nplt.show()",
            "plt.hist(df['a'])\nplt.title('a')\nplt.xlabel('value')",
            "print(df)",
            "df.describe()",
            "display(df)",
            "fig, ax = plt.subplots()\nax.set_title('x')\nfig.colorbar(ax.imshow([[1]]))",
            "df['a'].plot.hist(bins=3)",
            "result = df['a'].sum()",
        ],
        [0, 1, 9],
    ),
    (
        "target redefines a name before reading it",
        ["model = 'an old experiment'", "from sklearn.linear_model import Ridge", "model = Ridge()\nprint(model)"],
        [1, 2],
    ),
    (
        "class whose method reads a global",
        [
            "import math",
            "class Circle:\n    def __init__(self, r):\n        self.r = r\n    def area(self):\n        return math.pi * self.r ** 2",
            "print(Circle(2).area())",
        ],
        [0, 1, 2],
    ),
    (
        "conditional assignment keeps the earlier definition too",
        ["x = 1", "flag = False", "if flag:\n    x = 2", "print(x)"],
        [0, 1, 2, 3],
    ),
    (
        "assigned on both branches of an if: earlier definition not needed",
        ["x = 1", "flag = True", "if flag:\n    x = 2\nelse:\n    x = 3", "print(x)"],
        [1, 2, 3],
    ),
    (
        "comprehension variables are local",
        ["i = 100", "squares = [i * i for i in range(3)]", "print(squares)"],
        [1, 2],
    ),
    (
        "lambda reading a global",
        ["k = 3", "f = lambda x: x * k", "print(f(2))"],
        [0, 1, 2],
    ),
    (
        "unknown method whose result is discarded is assumed to mutate",
        [
            "class Acc:\n    def __init__(self):\n        self.n = 0\n    def bump(self):\n        self.n += 1",
            "acc = Acc()",
            "acc.bump()",
            "print(acc.n)",
        ],
        [0, 1, 2, 3],
    ),
    (
        "import in try/except",
        ["try:\n    import ujson as json\nexcept ImportError:\n    import json", "print(json.dumps({}))"],
        [0, 1],
    ),
    (
        "random seeds are always kept, also through a helper",
        ["import random", "def set_seed(s):\n    random.seed(s)", "set_seed(1)", "x = 2", "print(random.random() * x)"],
        [0, 1, 2, 3, 4],
    ),
    (
        "numpy global seed kept even though the target does not name it",
        ["import numpy as np", "np.random.seed(0)", "plt_data = np.random.rand(3)", "from sklearn.utils import shuffle", "print(shuffle([1, 2, 3]))"],
        [0, 1, 3, 4],
    ),
    (
        "star import makes the slice conservative",
        ["from math import *", "x = 1", "y = 5", "print(sqrt(x))"],
        [0, 1, 3],
    ),
    (
        "exec makes the slice conservative",
        ["exec('z = 1')", "w = 2", "print(z)"],
        [0, 2],
    ),
    (
        "magics and shell escapes: dropped, the code around them kept",
        [
            "%matplotlib inline\nimport pandas as pd",
            "!pip install pyarrow",
            "files = !ls",
            "df = pd.DataFrame({'a': [1]})\n%time s = df.a.sum()",
            "%%time\ndoubled = s * 2",
            "print(doubled)",
        ],
        [0, 3, 4, 5],
    ),
    (
        "module calls do not mutate module state (plt.title, np.set_printoptions)",
        ["import numpy as np", "a = np.zeros(2)", "np.set_printoptions(precision=2)", "print(np.sum(a))"],
        [0, 1, 3],
    ),
    (
        "estimator fitted in an earlier cell, scored in the target",
        [
            "from sklearn.linear_model import LinearRegression",
            "X, y = [[0], [1], [2]], [0, 1, 2]",
            "reg = LinearRegression()",
            "coef = reg.fit(X, y).coef_",
            "X_scaled = reg.fit_transform(X) if hasattr(reg, 'fit_transform') else X",
            "print(reg.score(X, y))",
        ],
        [0, 1, 2, 3, 4, 5],
    ),
]


@pytest.mark.parametrize(("cells", "expected"), [p[1:] for p in PATTERNS], ids=[p[0] for p in PATTERNS])
def test_slice_patterns(cells: list[str], expected: list[int]) -> None:
    included, undefined = sliced(cells)
    assert undefined == []
    assert included == expected


def test_include_all_takes_every_cell_above() -> None:
    cells = ["import os", "x = 1", "print('hi')", "y = 2"]
    assert sliced(cells, include_all=True)[0] == [0, 1, 2, 3]
    assert sliced(cells)[0] == [3]


def test_deleted_name_is_undefined() -> None:
    assert sliced(["x = 1", "del x", "print(x)"])[1] == ["x"]


def test_names_defined_nowhere_are_reported() -> None:
    assert sliced(["import pandas as pd", "df = pd.DataFrame()", "print(df_typo)"])[1] == ["df_typo"]


def test_builtins_and_shadowed_builtins() -> None:
    assert sliced(["print(len([1]))"]) == ([0], [])
    assert sliced(["list = [3]", "x = 1", "print(list)"]) == ([0, 2], [])


def test_reasons_say_which_cell_needs_what() -> None:
    cells = ["import pandas as pd", "df = pd.DataFrame({'a': [1]})", "df['b'] = 1", "print(df)"]
    units = [Unit(i, None, analyze_cell(c)) for i, c in enumerate(cells)]
    result = slice_units(units)
    assert result.reasons[0] == ["defines pd (used by cell 1)"]
    assert result.reasons[1] == ["defines df (used by cells 2, 3)"]
    assert result.reasons[2] == ["changes in place df (used by cell 3)"]
    assert result.reasons[3] == ["target cell"]


def _reasons(cells: list[str]) -> dict[int, list[str]]:
    units = [Unit(i, None, analyze_cell(c)) for i, c in enumerate(cells)]
    result = slice_units(units)
    return {units[p].index: result.reasons[p] for p in result.positions}


def test_redefinitions_and_del_cut_the_chain() -> None:
    cells = [
        "df = {}", "df['a'] = 1", "print(df)", "df['b'] = 2", "df = {'fresh': True}", "df['c'] = 3", "del df",
        "df = {'z': 0}", "df['d'] = 4", "x = len(df)", "print(x, df)",
    ]
    reasons = _reasons(cells)
    assert sorted(reasons) == [7, 8, 9, 10]
    assert reasons[7] == ["defines df (used by cells 8, 9, 10)"]
    assert reasons[8] == ["changes in place df (used by cells 9, 10)"]


def test_each_use_takes_the_definition_it_sees() -> None:
    cells = ["df = {}", "df['a'] = 1", "snapshot = dict(df)", "df = {'fresh': True}", "df['b'] = 2", "print(snapshot, df)"]
    reasons = _reasons(cells)
    assert sorted(reasons) == [0, 1, 2, 3, 4, 5]
    assert reasons[0] == ["defines df (used by cells 1, 2)"]
    assert reasons[1] == ["changes in place df (used by cell 2)"]
    assert reasons[3] == ["defines df (used by cells 4, 5)"]


def test_long_mutation_chains_stay_complete() -> None:
    """300 cells changing one frame in place: every change before the use is kept, exploration is not."""
    cells = ["import pandas as pd\ndf = pd.DataFrame({'a': [1.0]})"]
    for n in range(1, 300):
        cells.append(f"df['c{n}'] = df['a'] * {n}" if n % 3 else "df.describe()")
    cells.append("print(df.shape)")
    included, undefined = sliced(cells)
    assert undefined == []
    assert included == [0] + [n for n in range(1, 300) if n % 3] + [300]
