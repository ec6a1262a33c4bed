"""Which calls and stores change what: the method tables and the questions asked of one call.

Whether a method call mutates its receiver is a heuristic: well-known
mutators, ``inplace=True``, and any other method whose result is thrown away
unless it is known to be a pure or display method. Being wrong costs an extra
cell in the slice, never a missing one, except for mutation hidden in calls
whose result is used (a documented limitation).
"""

from __future__ import annotations

import ast
import os

__all__ = [
    "ARG_MUTATORS",
    "DISPLAY_BUILTINS",
    "MUTATING_METHODS",
    "PURE_METHODS",
    "STAR_CALLS",
    "attribute_chain",
    "call_mutation",
    "dotted_name",
    "file_key",
    "global_effect",
    "is_true",
    "store_effect",
    "written_paths",
]

MUTATING_METHODS = frozenset(
    {
        # containers
        "append", "extend", "insert", "remove", "pop", "clear", "update", "sort", "reverse", "add",
        "discard", "setdefault", "popitem", "appendleft", "extendleft", "popleft", "rotate",
        "difference_update", "intersection_update", "symmetric_difference_update",
        # numpy arrays
        "fill", "itemset", "resize", "put", "partition", "setflags",
        # estimators and models
        "fit", "partial_fit", "fit_transform", "fit_predict", "fit_resample", "compile", "train",
        "step", "zero_grad", "backward", "eval", "to", "cuda", "cpu",
        # random generators, files, queues
        "seed", "shuffle", "write", "writelines", "writerow", "writerows", "close", "flush", "put_nowait",
    }
)
_MUTATING_PREFIXES = ("set_", "add_", "update_", "register_", "load_", "fit_")

PURE_METHODS = frozenset(
    {
        "head", "tail", "describe", "info", "sample", "corr", "cov", "count", "value_counts", "unique",
        "nunique", "isna", "isnull", "notna", "notnull", "sum", "mean", "median", "std", "var", "min",
        "max", "mode", "quantile", "abs", "round", "cumsum", "cumprod", "diff", "pct_change", "shift",
        "rank", "groupby", "agg", "aggregate", "apply", "applymap", "map", "transform", "pipe", "query",
        "filter", "where", "mask", "sort_values", "sort_index", "drop", "dropna", "fillna", "rename",
        "reset_index", "set_index", "replace", "astype", "copy", "to_string", "to_frame", "to_numpy",
        "to_dict", "to_list", "tolist", "to_csv", "to_parquet", "to_json", "to_excel", "to_pickle",
        "to_sql", "to_markdown", "to_html", "memory_usage", "select_dtypes", "merge", "join", "pivot",
        "pivot_table", "melt", "stack", "unstack", "explode", "duplicated", "drop_duplicates", "between",
        "isin", "clip", "any", "all", "idxmax", "idxmin", "nlargest", "nsmallest", "items", "iterrows",
        "itertuples", "keys", "values", "get", "reshape", "ravel", "flatten", "squeeze", "transpose",
        "argmax", "argmin", "argsort", "dot", "nonzero", "predict", "predict_proba", "predict_log_proba",
        "decision_function", "score", "score_samples", "get_params", "get_feature_names_out", "summary",
        "evaluate", "format", "split", "strip", "lower", "upper", "startswith", "endswith", "find",
        "index", "encode", "decode", "savefig", "show", "display", "plot", "hist", "boxplot", "bar",
        "barh", "scatter", "pie", "kde", "density", "area", "line", "heatmap", "imshow", "legend",
        "tight_layout", "grid", "text", "annotate", "debug", "warning", "error", "exception", "critical",
        "log", "print", "render", "dump", "dumps",
    }
)
_DISPLAY_ATTRS = frozenset({"plot", "style", "hist", "boxplot"})
#: Functions that change their first argument in place: ``np.random.shuffle(x)``, ``setattr(obj, ...)``, ``heapq.heappush(h, x)``.
ARG_MUTATORS = frozenset(
    {
        "shuffle", "setattr", "delattr", "heappush", "heappop", "heapify", "heappushpop", "heapreplace", "insort",
        "insort_left", "insort_right", "copyto", "fill_diagonal", "putmask", "place",
    }
)
_SEED_FUNCS = frozenset({"seed", "manual_seed", "manual_seed_all", "set_seed", "set_random_seed", "seed_everything"})
_GLOBAL_CALLS = {
    "os.chdir": "changes the working folder",
    "os.makedirs": "creates a folder",
    "os.mkdir": "creates a folder",
    "os.putenv": "sets an environment variable",
    "os.environ.update": "sets environment variables",
    "os.environ.setdefault": "sets an environment variable",
    "sys.setrecursionlimit": "changes the recursion limit",
    "set_config": "changes scikit-learn's global configuration",
    "matplotlib.use": "selects the matplotlib backend",
    "mpl.use": "selects the matplotlib backend",
    "warnings.filterwarnings": "changes warning filters",
    "warnings.simplefilter": "changes warning filters",
    "np.seterr": "changes numpy's error handling",
    "numpy.seterr": "changes numpy's error handling",
    "torch.set_default_dtype": "changes torch's default dtype",
    "torch.set_num_threads": "changes torch's thread count",
}
#: Calls that write a file named by an argument: ``df.to_csv("submission.csv")``, ``plt.savefig("a.png")``,
#: ``joblib.dump(model, "model.pkl")``, ``np.save("x.npy", a)``, ``Path("x").write_text(...)``.
WRITE_CALLS = frozenset(
    {
        "to_csv", "to_parquet", "to_json", "to_excel", "to_pickle", "to_feather", "to_hdf", "to_html", "to_latex",
        "to_stata", "to_xml", "to_orc", "to_markdown", "to_netcdf", "to_file", "savefig", "save", "savez",
        "savez_compressed", "savetxt", "save_model", "save_weights", "save_pretrained", "write_text",
        "write_bytes", "dump", "imwrite", "imsave", "tofile", "write_image", "write_html", "ExcelWriter",
        "export_graphviz",
    }
)
_PATH_KEYWORDS = frozenset({"path", "path_or_buf", "fname", "filename", "file", "f", "excel_writer", "out_file", "filepath"})
DISPLAY_BUILTINS = frozenset({"print", "display", "repr", "len", "str", "type", "id", "help", "dir", "vars", "isinstance"})
STAR_CALLS = frozenset({"exec", "eval", "globals", "vars", "locals"})


# -- expression shapes ----------------------------------------------------------------


def attribute_chain(node: ast.expr) -> tuple[str | None, list[str]]:
    """Root name and attribute chain of ``df``, ``df.loc[...]``, ``a.b.c``; root None for temporaries."""
    attrs: list[str] = []
    while True:
        if isinstance(node, ast.Name):
            return node.id, list(reversed(attrs))
        if isinstance(node, ast.Attribute):
            attrs.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            return None, []


def dotted_name(node: ast.expr) -> str | None:
    """``np.random.seed`` for that callee, so calls can be matched against the tables by name."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    if isinstance(node, ast.Call):  # Path("x").mkdir(...)
        inner = dotted_name(node.func)
        return f"{inner}().{'.'.join(reversed(parts))}" if inner and parts else None
    return None


def is_true(node: ast.expr) -> bool:
    """``inplace=True`` written as a literal (anything else may be false at run time)."""
    return isinstance(node, ast.Constant) and node.value is True


def _mutating_method(name: str) -> bool:
    if name in MUTATING_METHODS or name.startswith(_MUTATING_PREFIXES):
        return True
    return name.endswith("_") and not name.endswith("__") and not name.startswith("_")  # torch's x.add_()


def call_mutation(call: ast.Call, discarded: bool) -> str | None:
    """How a method call changes its receiver in place (``.fillna(inplace=True)``, ``.append()``), or None.

    A method of unknown effect whose result is thrown away is taken to change
    its receiver when the receiver is a name (``acc.bump()``), not when it is a
    temporary (``np.array(x).tofile(path)``).
    """
    func = call.func
    if not isinstance(func, ast.Attribute):
        return None
    method = func.attr
    if any(kw.arg == "inplace" and is_true(kw.value) for kw in call.keywords):
        return f".{method}(inplace=True)"
    if _mutating_method(method):
        return f".{method}()"
    root, chain = attribute_chain(func.value)
    if root is not None and discarded and method not in PURE_METHODS and not _DISPLAY_ATTRS.intersection(chain):
        return f".{method}(), called for its effect"
    return None


def global_effect(call: ast.Call) -> str | None:
    """A sentence if the call changes interpreter-wide state a later cell may depend on."""
    dotted = dotted_name(call.func)
    if dotted is None:
        return None
    last = dotted.rsplit(".", 1)[-1]
    if last in _SEED_FUNCS:
        return f"{dotted}(...) sets a random seed"
    for pattern, what in _GLOBAL_CALLS.items():
        if dotted == pattern or dotted.endswith("." + pattern):
            return f"{dotted}(...) {what}"
    if last in ("mkdir", "makedirs"):
        return f"{dotted}(...) creates a folder"
    if dotted.startswith("sys.path.") and last in MUTATING_METHODS:
        return f"{dotted}(...) changes sys.path"
    if last == "set_option" and call.args:
        first = call.args[0]
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value.startswith("display.")):
            return f"{dotted}(...) sets a library option"
    return None


def store_effect(root: str | None, chain: list[str]) -> str | None:
    """A sentence if assigning into ``root.<chain>[...]`` changes interpreter-wide state."""
    if "environ" in chain:
        return "sets an environment variable"
    if root == "sys" and chain[:1] == ["path"]:
        return "changes sys.path"
    return None



def written_paths(call: ast.Call) -> list[ast.expr]:
    """The arguments of ``call`` that name a file it writes (for ``Path(x).write_text()``, ``x``)."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if name == "open" and isinstance(func, ast.Name):
        mode = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "mode"), None)
        writes = isinstance(mode, ast.Constant) and isinstance(mode.value, str) and any(c in mode.value for c in "wax")
        return call.args[:1] if writes else []
    if name not in WRITE_CALLS:
        return []
    if name in ("write_text", "write_bytes"):  # Path("x").write_text(content): the path is the receiver's
        return func.value.args[:1] if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call) else []
    return [*call.args, *(k.value for k in call.keywords if k.arg in _PATH_KEYWORDS)]


def file_key(node: ast.AST) -> str | None:
    """``file:data/a.csv`` for a string literal that may name a file: the pseudo-name its writes and reads share."""
    if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
        return None
    text = node.value
    if not text or len(text) > 512 or "\n" in text or "\0" in text or "://" in text or text != text.strip():
        return None
    if "." in text or "/" in text or os.sep in text:  # only these can be spelled more than one way
        text = os.path.normpath(text).replace(os.sep, "/")
    return "file:" + text
