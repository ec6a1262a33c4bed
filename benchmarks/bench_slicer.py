"""How long packaging a cell takes on a generated 300-cell notebook (target: at most 100 ms per package).

Usage: python benchmarks/bench_slicer.py [--cells 300] [--repeat 15]

The notebook mixes what real ones contain: imports, data loading, feature
cells that mutate a DataFrame in place, helper functions, literal settings,
exploration (head/describe/plots/print), magics and shell escapes, markdown.
The target is the last cell, which needs a fraction of the others.

It prints medians (ms) for:
  * cold:  the first package in a fresh process (imports IPython's transformers, asks the
           kernel's interpreter for its packages once);
  * slice: analysis and slicing only, per-cell caches cleared each time;
  * preview (uncached cells): preview_package with per-cell caches cleared each time;
  * preview (cached cells): preview_package again on the same notebook (what re-submitting
           or a live preview costs);
  * build: build_package writing the folder (copies one small data file).
Nothing is asserted: the numbers are for reading.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path


def generate(cells: int) -> list[dict]:
    """Source cells of a plausible long notebook; the last one trains."""
    out: list[dict] = []

    def code(text: str, tags: tuple[str, ...] = ()) -> None:
        out.append({"cell_type": "code", "id": f"c{len(out)}", "metadata": {"tags": list(tags)} if tags else {},
                    "execution_count": None, "outputs": [], "source": text})

    def markdown(text: str) -> None:
        out.append({"cell_type": "markdown", "id": f"m{len(out)}", "metadata": {}, "source": text})

    markdown("# A long analysis notebook")
    code("%matplotlib inline\nimport os\nimport numpy as np\nimport pandas as pd\nimport matplotlib.pyplot as plt\n"
         "from sklearn.model_selection import train_test_split\nfrom sklearn.linear_model import Ridge")
    code("!pip install -q scikit-learn\nSEED = 0\nnp.random.seed(SEED)")
    code("df = pd.read_csv('data/measurements.csv')\ndf.head()")
    n = 0
    while len(out) < cells - 2:
        n += 1
        kind = n % 10
        if kind == 0:
            markdown(f"## Section {n // 10}\n\nNotes about step {n}.")
        elif kind == 1:
            code(f"df['f{n}'] = df['a'] * {n} + df['b']\ndf['f{n}'].describe()")
        elif kind == 2:
            code(f"df.fillna({n}, inplace=True)\nprint(df.shape)")
        elif kind == 3:
            code(f"def helper_{n}(frame, k={n}):\n    \"\"\"Scaled copy of column a.\"\"\"\n"
                 f"    return frame['a'] / (k + frame['b'].abs().max())")
        elif kind == 4:
            code(f"df.plot.scatter(x='a', y='f{n - 3}')\nplt.title('step {n}')\nplt.show()")
        elif kind == 5:
            code(f"threshold_{n} = {n / 100}\nmask_{n} = df['a'] > threshold_{n}\nmask_{n}.sum()")
        elif kind == 6:
            code(f"%time summary_{n} = df.groupby(df['b'] > {n}).agg(['mean', 'std'])\nsummary_{n}")
        elif kind == 7:
            code(f"df['g{n}'] = helper_{n - 4}(df)\nfeatures = [c for c in df.columns if c.startswith(('f', 'g'))]")
        elif kind == 8:
            code(f"scratch = [x ** 2 for x in range({n})]\nfor i, value in enumerate(scratch):\n"
                 f"    if value > {n}:\n        break\nprint(i, value)")
        else:
            code(f"!ls data\nresults_{n} = {{'step': {n}, 'rows': len(df)}}\nresults_{n}")
    code("ALPHA = 0.5\nTEST_SIZE = 0.2")
    code("X_train, X_test, y_train, y_test = train_test_split(df[features], df['target'], test_size=TEST_SIZE, "
         "random_state=SEED)\nmodel = Ridge(alpha=ALPHA).fit(X_train, y_train)\nprint('r2:', model.score(X_test, y_test))\n"
         "os.makedirs('outputs', exist_ok=True)", ("aml-train",))
    return out


def write(folder: Path, cells: int) -> Path:
    (folder / "data").mkdir(parents=True)
    rows = ["a,b,target"] + [f"{i % 7},{(i * 3) % 11},{i % 5}" for i in range(200)]
    (folder / "data" / "measurements.csv").write_text("\n".join(rows) + "\n")
    doc = {"nbformat": 4, "nbformat_minor": 5, "cells": generate(cells),
           "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}}
    path = folder / "long.ipynb"
    path.write_text(json.dumps(doc))
    return path


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="amlx-bench-slicer-"))
    try:
        path = write(folder, args.cells)
        started = time.perf_counter()
        from amlx_lab.notebook import build_package, preview_package
        from amlx_lab.notebook.analysis import analyze_cell, parse, strings_and_imports
        from amlx_lab.notebook.ipython_syntax import convert_cell
        from amlx_lab.notebook.slicer import Unit, slice_units
        from amlx_lab.notebook.source import read_notebook

        first = preview_package(path, cell="aml-train")
        cold = time.perf_counter() - started

        def clear() -> None:
            convert_cell.cache_clear()
            analyze_cell.cache_clear()
            parse.cache_clear()
            strings_and_imports.cache_clear()

        slicing, uncached, cached, built = [], [], [], []
        for n in range(args.repeat):
            clear()
            t0 = time.perf_counter()
            nb = read_notebook(path)
            units = [Unit(c.index, c.id, analyze_cell(convert_cell(c.source).code)) for c in nb.cells if c.is_code]
            slice_units(units)
            slicing.append(time.perf_counter() - t0)

            clear()
            t0 = time.perf_counter()
            preview_package(path, cell="aml-train")
            uncached.append(time.perf_counter() - t0)

            t0 = time.perf_counter()
            package = preview_package(path, cell="aml-train")
            cached.append(time.perf_counter() - t0)

            t0 = time.perf_counter()
            build_package(path, cell="aml-train", out_dir=folder / f"pkg{n}")
            built.append(time.perf_counter() - t0)

        code_cells = sum(1 for c in read_notebook(path).cells if c.is_code)
        print(f"notebook: {args.cells} cells ({code_cells} code); slice keeps {len(first.cells)} cells, "
              f"{len(first.parameters)} parameters, {len(first.inputs)} input(s); Python {sys.version.split()[0]}")
        def line(label: str, samples: list[float]) -> str:
            return f"{label:<42} {median_ms(samples):8.1f} ms median, {min(samples) * 1000:7.1f} ms min"

        print(f"cold, first package in this process:      {cold * 1000:8.1f} ms")
        print(line("slice only (analysis + slicing):", slicing) + f"   (n={args.repeat})")
        print(line("preview_package, uncached cells:", uncached))
        print(line("preview_package, cached cells:", cached))
        print(line("build_package (writes the folder):", built))
        worst = median_ms(uncached)
        verdict = "met" if worst <= 100 else "NOT met"
        print(f"target <= 100 ms per package: {verdict} by the uncached median ({worst:.1f} ms); "
              f"cached: {median_ms(cached):.1f} ms")
        if hasattr(os, "getloadavg"):
            print(f"load average while measuring: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
        assert package.content_hash == first.content_hash  # same input, same package
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
