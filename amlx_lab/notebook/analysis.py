"""What one cell does to the notebook's global names, by static analysis only (nothing runs).

For a cell's Python (after :mod:`.ipython_syntax`) this finds, in statement order:

* the names it reads before binding them itself (``exposed``): what it needs
  from earlier cells;
* the names it binds (assignments of every form, imports, ``def``, ``class``,
  ``for``/``with`` targets, walrus), deletes (``del``), or changes in place
  (``df["x"] = ...``, ``df.fillna(0, inplace=True)``, ``lst.append(...)``,
  ``model.fit(...)``, attribute assignment);
* per function it defines: the globals its body reads when called, the globals
  it assigns (``global``), mutates, or whose parameters it mutates, so a call
  site carries those effects;
* calls with effects on the interpreter rather than on a name (random seeds,
  ``os.environ``, ``sys.path``, ``os.makedirs``, ``sklearn.set_config``);
* what makes the analysis unsure (``from x import *``, ``exec``, ``globals()``).

Which method calls mutate is a heuristic (tables below): well-known mutators,
``inplace=True``, and any other method whose result is thrown away unless it is
known to be a pure or display method. Being wrong costs an extra cell in the
slice, never a missing one, except for mutation hidden in calls whose result
is used (documented limitation).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

__all__ = [
    "DEF",
    "KILL",
    "MAYBE",
    "CallSite",
    "CellAnalysis",
    "FunctionSummary",
    "ImportRef",
    "LiteralAssign",
    "StringLiteral",
    "Use",
    "analyze_cell",
    "parse",
    "strings_and_imports",
]

DEF = "def"  # the cell binds the name on every path
MAYBE = "maybe"  # the cell binds (or deletes) it on some paths only
KILL = "kill"  # the cell deletes it (``del x``)

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
ARG_MUTATORS = frozenset({"shuffle"})  # np.random.shuffle(x), random.shuffle(x)
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
_DISPLAY_BUILTINS = frozenset({"print", "display", "repr", "len", "str", "type", "id", "help", "dir", "vars", "isinstance"})
_STAR_CALLS = frozenset({"exec", "eval", "globals", "vars", "locals"})
_LITERAL_TYPES = (int, float, str, bool, list, tuple, dict)


@dataclass(frozen=True)
class Use:
    """First read of a name before the cell binds it; ``maybe_local`` if the cell may have bound it on another path."""

    line: int
    maybe_local: bool = False


@dataclass(frozen=True)
class FunctionSummary:
    """What calling a function (or using a class) defined in the notebook does to globals."""

    free_reads: dict[str, int] = field(default_factory=dict)  # globals read when it runs -> line
    global_writes: frozenset[str] = frozenset()
    global_mutations: frozenset[str] = frozenset()
    params: tuple[str, ...] = ()
    mutated_params: frozenset[str] = frozenset()
    effects: tuple[str, ...] = ()  # e.g. "np.random.seed(...) sets a random seed"


@dataclass(frozen=True)
class CallSite:
    """``f(a, b=c)`` at module level, with the plain names passed, for effects of user functions."""

    func: str
    args: tuple[str | None, ...]
    keywords: tuple[tuple[str, str | None], ...]
    discarded: bool
    line: int


@dataclass(frozen=True)
class ImportRef:
    module: str  # top-level module name (``sklearn`` for ``from sklearn.svm import SVC``)
    line: int
    relative: bool = False


@dataclass(frozen=True)
class LiteralAssign:
    """``alpha = 0.5`` at the top level of a cell: a parameter candidate."""

    name: str
    value: object
    line: int
    end_line: int


@dataclass(frozen=True)
class StringLiteral:
    value: str
    line: int


@dataclass(frozen=True)
class CellAnalysis:
    """Everything the slicer, parameter and data-file steps need to know about one cell."""

    exposed: dict[str, Use]
    reads: frozenset[str]
    effects: dict[str, str]  # name -> DEF | MAYBE | KILL
    mutations: dict[str, int]  # name -> line of an in-place change
    lines: dict[str, int]  # name -> line where the cell binds it
    binding_kinds: dict[str, str]  # name -> "import" | "function" | "class" | "value"
    binding_counts: dict[str, int]
    functions: dict[str, FunctionSummary]
    calls: tuple[CallSite, ...]
    global_effects: tuple[tuple[str, int], ...]  # (description, line)
    star: tuple[str, int] | None  # why the cell may define any name, and where
    literal_assigns: tuple[LiteralAssign, ...]

    @cached_property
    def bound(self) -> frozenset[str]:
        """Every module-level name the cell binds or deletes."""
        return frozenset(self.effects)


# -- small helpers ---------------------------------------------------------------------


def _chain(node: ast.expr) -> tuple[str | None, list[str]]:
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


def _dotted(node: ast.expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    if isinstance(node, ast.Call):  # Path("x").mkdir(...)
        inner = _dotted(node.func)
        return f"{inner}().{'.'.join(reversed(parts))}" if inner and parts else None
    return None


def _is_true(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _mutating_method(name: str) -> bool:
    if name in MUTATING_METHODS or name.startswith(_MUTATING_PREFIXES):
        return True
    return name.endswith("_") and not name.endswith("__") and not name.startswith("_")  # torch's x.add_()


def call_mutation(call: ast.Call, discarded: bool) -> str | None:
    """The name a method call changes in place, if any (heuristic, see module docs)."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return None
    root, chain = _chain(func.value)
    if root is None:
        return None
    if any(kw.arg == "inplace" and _is_true(kw.value) for kw in call.keywords):
        return root
    method = func.attr
    if _mutating_method(method):
        return root
    if discarded and method not in PURE_METHODS and not _DISPLAY_ATTRS.intersection(chain):
        return root
    return None


def global_effect(call: ast.Call) -> str | None:
    """A sentence if the call changes interpreter-wide state a later cell may depend on."""
    dotted = _dotted(call.func)
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


def _store_effect(root: str | None, chain: list[str]) -> str | None:
    if "environ" in chain:
        return "sets an environment variable"
    if root == "sys" and chain[:1] == ["path"]:
        return "changes sys.path"
    return None


def _literal(node: ast.expr | None) -> tuple[bool, object]:
    if node is None:
        return False, None
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False, None
    return isinstance(value, _LITERAL_TYPES), value


def _import_refs(node: ast.AST) -> list[ImportRef]:
    """Modules one node imports (``import``, ``from ... import``, ``__import__("x")``)."""
    if isinstance(node, ast.Import):
        return [ImportRef(a.name.split(".")[0], node.lineno) for a in node.names]
    if isinstance(node, ast.ImportFrom):
        if node.level:
            return [ImportRef((node.module or "").split(".")[0], node.lineno, relative=True)]
        return [ImportRef(node.module.split(".")[0], node.lineno)] if node.module else []
    if isinstance(node, ast.Call) and node.args:
        first = node.args[0]
        if (
            isinstance(first, ast.Constant)
            and isinstance(first.value, str)
            and _dotted(node.func) in ("__import__", "importlib.import_module")
        ):
            return [ImportRef(first.value.split(".")[0], node.lineno)]
    return []


# -- nested scopes (functions, lambdas, classes, comprehensions) ------------------------

_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, *_COMPREHENSIONS)


class _ScopeCollector(ast.NodeVisitor):
    """Names loaded and stored directly in one scope; nested scopes are recorded, not entered."""

    def __init__(self) -> None:
        self.loads: dict[str, int] = {}
        self.stores: set[str] = set()
        self.walrus: set[str] = set()
        self.globals: set[str] = set()
        self.nonlocals: set[str] = set()
        self.nested: list[ast.AST] = []
        self.mutated: dict[str, int] = {}
        self.passed_to_discarded: set[str] = set()
        self.effects: list[str] = []

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.loads.setdefault(node.id, node.lineno)
        else:
            self.stores.add(node.id)

    def visit_Global(self, node: ast.Global) -> None:
        self.globals.update(node.names)

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        self.nonlocals.update(node.names)

    def _function_header(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        args = node.args
        for default in [*args.defaults, *(d for d in args.kw_defaults if d is not None)]:
            self.visit(default)
        if not isinstance(node, ast.Lambda):
            for deco in node.decorator_list:
                self.visit(deco)
            for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
                if a is not None and a.annotation is not None:
                    self.visit(a.annotation)
            if node.returns is not None:
                self.visit(node.returns)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.stores.add(node.name)
        self._function_header(node)
        self.nested.append(node)

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._function_header(node)
        self.nested.append(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.stores.add(node.name)
        for part in [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]:
            self.visit(part)
        self.nested.append(node)

    def _comprehension(self, node: ast.AST) -> None:
        self.visit(node.generators[0].iter)  # type: ignore[attr-defined]
        self.nested.append(node)

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comprehension  # type: ignore[assignment]

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self.stores.add(node.target.id)
        self.walrus.add(node.target.id)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.stores.add(alias.asname or alias.name.split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name != "*":
                self.stores.add(alias.asname or alias.name)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.stores.add(node.name)
        self.generic_visit(node)

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.name:
            self.stores.add(node.name)
        self.generic_visit(node)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self.stores.add(node.name)

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        if node.rest:
            self.stores.add(node.rest)
        self.generic_visit(node)

    def _mutated_target(self, target: ast.expr) -> None:
        if isinstance(target, (ast.Attribute, ast.Subscript)):
            root, chain = _chain(target)
            if root is not None:
                self.mutated.setdefault(root, target.lineno)
                effect = _store_effect(root, chain)
                if effect:
                    self.effects.append(effect)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self._mutated_target(elt)
        elif isinstance(target, ast.Starred):
            self._mutated_target(target.value)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._mutated_target(target)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._mutated_target(node.target)
        if isinstance(node.target, ast.Name):
            self.loads.setdefault(node.target.id, node.lineno)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._mutated_target(node.target)
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self._mutated_target(target)
        self.generic_visit(node)

    def visit_Expr(self, node: ast.Expr) -> None:
        if isinstance(node.value, ast.Call):
            self._call(node.value, discarded=True)
            func = node.value.func
            if not (isinstance(func, ast.Name) and func.id in _DISPLAY_BUILTINS):
                for arg in node.value.args:
                    if isinstance(arg, ast.Name):
                        self.passed_to_discarded.add(arg.id)
            self._visit_call_parts(node.value)
        else:
            self.visit(node.value)

    def visit_Call(self, node: ast.Call) -> None:
        self._call(node, discarded=False)
        self._visit_call_parts(node)

    def _visit_call_parts(self, node: ast.Call) -> None:
        self.visit(node.func)
        for arg in node.args:
            self.visit(arg)
        for kw in node.keywords:
            self.visit(kw.value)

    def _call(self, node: ast.Call, discarded: bool) -> None:
        root = call_mutation(node, discarded)
        if root is not None:
            self.mutated.setdefault(root, node.lineno)
        dotted = _dotted(node.func) or ""
        if dotted.rsplit(".", 1)[-1] in ARG_MUTATORS:
            for arg in node.args:
                if isinstance(arg, ast.Name):
                    self.mutated.setdefault(arg.id, node.lineno)
        effect = global_effect(node)
        if effect:
            self.effects.append(effect)


def _params(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> list[str]:
    args = node.args
    names = [a.arg for a in [*args.posonlyargs, *args.args]]
    if args.vararg:
        names.append(args.vararg.arg)
    names.extend(a.arg for a in args.kwonlyargs)
    if args.kwarg:
        names.append(args.kwarg.arg)
    return names


def scope_summary(node: ast.AST, enclosing: frozenset[str] = frozenset()) -> tuple[FunctionSummary, set[str]]:
    """Summary of a nested scope, and the names its walrus operators bind in the enclosing scope.

    ``enclosing`` holds the locals of enclosing function scopes (closures), which
    are not globals.
    """
    collector = _ScopeCollector()
    params: list[str] = []
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        params = _params(node)
        for stmt in node.body:
            collector.visit(stmt)
    elif isinstance(node, ast.Lambda):
        params = _params(node)
        collector.visit(node.body)
    elif isinstance(node, ast.ClassDef):
        for stmt in node.body:
            collector.visit(stmt)
    else:  # comprehension: targets are local, the first iterable was evaluated outside
        gens = node.generators  # type: ignore[attr-defined]
        for i, gen in enumerate(gens):
            collector.visit(gen.target)
            if i:
                collector.visit(gen.iter)
            for cond in gen.ifs:
                collector.visit(cond)
        for part in ("elt", "key", "value"):
            if hasattr(node, part):
                collector.visit(getattr(node, part))
    is_comprehension = isinstance(node, _COMPREHENSIONS)
    locals_ = (set(params) | collector.stores) - collector.globals - collector.nonlocals
    if is_comprehension:
        locals_ -= collector.walrus  # a walrus in a comprehension binds in the enclosing scope
    free = {n: line for n, line in collector.loads.items() if (n not in locals_ or n in collector.globals) and n not in enclosing}
    global_writes = set(collector.stores & collector.globals)
    mutated_globals = {n for n in collector.mutated if (n not in locals_ or n in collector.globals) and n not in enclosing}
    mutated_params = {n for n in collector.mutated if n in params} | (collector.passed_to_discarded & set(params))
    effects = list(collector.effects)
    # class bodies do not enclose the functions defined in them
    inner_enclosing = enclosing if isinstance(node, ast.ClassDef) else enclosing | frozenset(locals_)
    for nested in collector.nested:
        sub, walrus = scope_summary(nested, inner_enclosing)
        for n, line in sub.free_reads.items():
            # methods cannot see class-level names, so a class filters nothing
            if isinstance(node, ast.ClassDef) or n not in locals_ or n in collector.globals:
                free.setdefault(n, line)
        global_writes |= sub.global_writes
        mutated_globals |= {n for n in sub.global_mutations if n not in locals_}
        effects.extend(sub.effects)
        if walrus and not is_comprehension:
            locals_ |= walrus
    walrus_out = collector.walrus if is_comprehension else set()
    summary = FunctionSummary(
        free_reads=free,
        global_writes=frozenset(global_writes),
        global_mutations=frozenset(mutated_globals),
        params=tuple(params),
        mutated_params=frozenset(mutated_params),
        effects=tuple(dict.fromkeys(effects)),
    )
    return summary, walrus_out


# -- module level ----------------------------------------------------------------------


class _CellScanner:
    """Walks a cell's top-level statements in order, tracking what is bound on the current path."""

    def __init__(self) -> None:
        self.blocks: list[set[str]] = [set()]
        self.cond = 0
        self.maybe: set[str] = set()
        self.exposed: dict[str, Use] = {}
        self.reads: set[str] = set()
        self.effects: dict[str, str] = {}
        self.mutations: dict[str, int] = {}
        self.lines: dict[str, int] = {}
        self.kinds: dict[str, str] = {}
        self.counts: dict[str, int] = {}
        self.functions: dict[str, FunctionSummary] = {}
        self.calls: list[CallSite] = []
        self.global_effects: list[tuple[str, int]] = []
        self.star: tuple[str, int] | None = None
        self.literal_assigns: list[LiteralAssign] = []

    # -- events ------------------------------------------------------------------------

    def read(self, name: str, line: int) -> None:
        self.reads.add(name)
        if name not in self.exposed and not any(name in b for b in self.blocks):
            self.exposed[name] = Use(line, name in self.maybe)

    def bind(self, name: str, line: int, kind: str = "value") -> None:
        self.blocks[-1].add(name)
        self.lines[name] = line
        self.kinds[name] = kind
        self.counts[name] = self.counts.get(name, 0) + 1
        if kind not in ("function", "class"):
            self.functions.pop(name, None)
        if self.cond == 0:
            self.effects[name] = DEF
        else:
            self.maybe.add(name)
            if self.effects.get(name) != DEF:
                self.effects[name] = MAYBE

    def kill(self, name: str, line: int) -> None:
        self.read(name, line)
        for block in self.blocks:
            block.discard(name)
        self.functions.pop(name, None)
        self.lines[name] = line
        self.effects[name] = KILL if self.cond == 0 else MAYBE

    def mutate(self, name: str, line: int) -> None:
        self.mutations.setdefault(name, line)

    def block(self, stmts: list[ast.stmt], conditional: bool) -> set[str]:
        self.blocks.append(set())
        self.cond += conditional
        for stmt in stmts:
            self.stmt(stmt)
        self.cond -= conditional
        return self.blocks.pop()

    # -- expressions -------------------------------------------------------------------

    def expr(self, node: ast.AST | None, discarded: bool = False) -> None:
        if node is None:
            return
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                self.read(node.id, node.lineno)
            return
        if isinstance(node, (ast.Lambda, *_COMPREHENSIONS)):
            if isinstance(node, ast.Lambda):
                for default in [*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]:
                    self.expr(default)
            else:
                self.expr(node.generators[0].iter)
            summary, walrus = scope_summary(node)
            for name, line in summary.free_reads.items():
                self.read(name, line)
            for name in summary.global_mutations:
                self.mutate(name, node.lineno)
            self.global_effects.extend((e, node.lineno) for e in summary.effects)
            for name in walrus:
                self.bind(name, node.lineno)
            return
        if isinstance(node, ast.NamedExpr):
            self.expr(node.value)
            self.bind(node.target.id, node.lineno)
            return
        if isinstance(node, ast.Call):
            self.call(node, discarded)
        for child in ast.iter_child_nodes(node):
            self.expr(child)

    def call(self, node: ast.Call, discarded: bool) -> None:
        root = call_mutation(node, discarded)
        if root is not None:
            self.mutate(root, node.lineno)
        dotted = _dotted(node.func) or ""
        last = dotted.rsplit(".", 1)[-1]
        if last in ARG_MUTATORS:
            for arg in node.args:
                if isinstance(arg, ast.Name):
                    self.mutate(arg.id, node.lineno)
        effect = global_effect(node)
        if effect:
            self.global_effects.append((effect, node.lineno))
        if dotted in _STAR_CALLS and not (dotted in ("vars",) and node.args) and self.star is None:
            self.star = (f"{dotted}() can define any name", node.lineno)
        if isinstance(node.func, ast.Name):
            self.calls.append(
                CallSite(
                    func=node.func.id,
                    args=tuple(a.id if isinstance(a, ast.Name) else None for a in node.args),
                    keywords=tuple((k.arg, k.value.id if isinstance(k.value, ast.Name) else None) for k in node.keywords if k.arg),
                    discarded=discarded,
                    line=node.lineno,
                )
            )

    def target(self, node: ast.expr, line: int) -> None:
        """Bind an assignment target (names bind, subscripts and attributes mutate their root)."""
        if isinstance(node, ast.Name):
            self.bind(node.id, line)
        elif isinstance(node, (ast.Tuple, ast.List)):
            for elt in node.elts:
                self.target(elt, line)
        elif isinstance(node, ast.Starred):
            self.target(node.value, line)
        elif isinstance(node, (ast.Attribute, ast.Subscript)):
            root, chain = _chain(node)
            self.expr(node.value)
            if isinstance(node, ast.Subscript):
                self.expr(node.slice)
            if root is not None:
                self.mutate(root, line)
                effect = _store_effect(root, chain)
                if effect:
                    self.global_effects.append((f"{_dotted(node.value) or root}[...] = ... {effect}", line))

    # -- statements --------------------------------------------------------------------

    def stmt(self, node: ast.stmt) -> None:
        method = getattr(self, f"stmt_{type(node).__name__}", None)
        if method is not None:
            method(node)
        else:  # Pass, Break, Continue, Return (invalid at top level), Raise, Assert, ...
            for child in ast.iter_child_nodes(node):
                self.expr(child)

    def stmt_Expr(self, node: ast.Expr) -> None:
        self.expr(node.value, discarded=True)

    def stmt_Assign(self, node: ast.Assign) -> None:
        self.expr(node.value)
        for target in node.targets:
            self.target(target, node.lineno)
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            self._literal_candidate(node.targets[0].id, node.value, node)

    def stmt_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.expr(node.value)
        self.expr(node.annotation)
        if node.value is not None:
            self.target(node.target, node.lineno)
            if isinstance(node.target, ast.Name):
                self._literal_candidate(node.target.id, node.value, node)
        elif not isinstance(node.target, ast.Name):
            self.target(node.target, node.lineno)

    def _literal_candidate(self, name: str, value: ast.expr, node: ast.stmt) -> None:
        if self.cond or len(self.blocks) > 1:
            return
        ok, literal = _literal(value)
        if ok:
            self.literal_assigns.append(LiteralAssign(name, literal, node.lineno, node.end_lineno or node.lineno))

    def stmt_AugAssign(self, node: ast.AugAssign) -> None:
        self.expr(node.value)
        if isinstance(node.target, ast.Name):
            self.read(node.target.id, node.lineno)
        self.target(node.target, node.lineno)

    def stmt_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            for t in target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]:
                if isinstance(t, ast.Name):
                    self.kill(t.id, node.lineno)
                else:
                    self.target(t, node.lineno)

    def stmt_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.bind(alias.asname or alias.name.split(".")[0], node.lineno, "import")

    def stmt_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name == "*":
                if self.star is None:
                    self.star = (f"'from {'.' * node.level}{node.module or ''} import *' can define any name", node.lineno)
            else:
                self.bind(alias.asname or alias.name, node.lineno, "import")

    def stmt_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        args = node.args
        for part in [*node.decorator_list, *args.defaults, *(d for d in args.kw_defaults if d is not None)]:
            self.expr(part)
        for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if a is not None and a.annotation is not None:
                self.expr(a.annotation)
        self.expr(node.returns)
        summary, _ = scope_summary(node)
        self.bind(node.name, node.lineno, "function")
        self.functions[node.name] = summary

    stmt_AsyncFunctionDef = stmt_FunctionDef

    def stmt_ClassDef(self, node: ast.ClassDef) -> None:
        for part in [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]:
            self.expr(part)
        summary, _ = scope_summary(node)
        # the class body runs now: its reads are immediate; methods run later (deferred)
        collector = _ScopeCollector()
        for stmt in node.body:
            collector.visit(stmt)
        for name, line in collector.loads.items():
            if name not in collector.stores:
                self.read(name, line)
        self.bind(node.name, node.lineno, "class")
        self.functions[node.name] = summary

    def stmt_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.expr(node.iter)
        self.blocks.append(set())
        self.cond += 1
        self.target(node.target, node.lineno)
        for stmt in node.body:
            self.stmt(stmt)
        self.cond -= 1
        self.blocks.pop()
        self.block(node.orelse, True)

    stmt_AsyncFor = stmt_For

    def stmt_While(self, node: ast.While) -> None:
        self.expr(node.test)
        self.block(node.body, True)
        self.block(node.orelse, True)

    def stmt_If(self, node: ast.If) -> None:
        self.expr(node.test)
        body = self.block(node.body, True)
        orelse = self.block(node.orelse, True)
        both = body & orelse
        self.blocks[-1] |= both
        if self.cond == 0:
            for name in both:
                if self.effects.get(name) == MAYBE:
                    self.effects[name] = DEF

    def stmt_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            self.expr(item.context_expr)
            if item.optional_vars is not None:
                self.target(item.optional_vars, node.lineno)
        self.blocks[-1] |= self.block(node.body, False)

    stmt_AsyncWith = stmt_With

    def stmt_Try(self, node: ast.Try) -> None:
        self.block(node.body, True)
        for handler in node.handlers:
            self.expr(handler.type)
            self.blocks.append(set())
            self.cond += 1
            if handler.name:
                self.bind(handler.name, handler.lineno)
            for stmt in handler.body:
                self.stmt(stmt)
            self.cond -= 1
            self.blocks.pop()
        self.block(node.orelse, True)
        self.blocks[-1] |= self.block(node.finalbody, False)

    stmt_TryStar = stmt_Try

    def stmt_Match(self, node: ast.AST) -> None:
        self.expr(node.subject)  # type: ignore[attr-defined]
        for case in node.cases:  # type: ignore[attr-defined]
            self.blocks.append(set())
            self.cond += 1
            for sub in ast.walk(case.pattern):
                name = getattr(sub, "name", None) or getattr(sub, "rest", None)
                if isinstance(name, str):
                    self.bind(name, case.pattern.lineno)
                if isinstance(sub, ast.MatchValue):
                    self.expr(sub.value)
                if isinstance(sub, ast.MatchClass):
                    self.expr(sub.cls)
            self.expr(case.guard)
            for stmt in case.body:
                self.stmt(stmt)
            self.cond -= 1
            self.blocks.pop()

    def stmt_Global(self, node: ast.Global) -> None:
        """``global x`` at module level changes nothing."""

    stmt_Nonlocal = stmt_Global


@lru_cache(maxsize=512)
def parse(code: str) -> ast.Module:
    """``ast.parse`` shared by the IPython conversion and the analysis, so each cell is parsed once.

    Callers must not modify the tree.
    """
    return ast.parse(code)


@lru_cache(maxsize=8192)
def strings_and_imports(code: str) -> tuple[tuple[StringLiteral, ...], tuple[ImportRef, ...]]:
    """String literals (data file candidates) and imported modules, in one walk.

    Separate from :func:`analyze_cell` because only the cells of the slice need them.
    """
    tree = parse(code)
    strings: list[StringLiteral] = []
    imports: list[ImportRef] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, str) and 0 < len(value) < 1024 and "\n" not in value:
                strings.append(StringLiteral(value, node.lineno))
        elif isinstance(node, (ast.Import, ast.ImportFrom, ast.Call)):
            imports.extend(_import_refs(node))
    return tuple(strings), tuple(imports)


@lru_cache(maxsize=8192)
def analyze_cell(code: str) -> CellAnalysis:
    """Analyse plain Python (raises ``SyntaxError``); cached by source text, so re-packaging is cheap."""
    tree = parse(code)
    scanner = _CellScanner()
    for stmt in tree.body:
        scanner.stmt(stmt)
    return CellAnalysis(
        exposed=scanner.exposed,
        reads=frozenset(scanner.reads),
        effects=scanner.effects,
        mutations=scanner.mutations,
        lines=scanner.lines,
        binding_kinds=scanner.kinds,
        binding_counts=scanner.counts,
        functions=scanner.functions,
        calls=tuple(scanner.calls),
        global_effects=tuple(dict.fromkeys(scanner.global_effects)),
        star=scanner.star,
        literal_assigns=tuple(scanner.literal_assigns),
    )
