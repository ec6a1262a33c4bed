"""The runs filter (``amlx_lab.runfilter``) as a SQL condition over the job index.

Why SQL and not ``runfilter.matches`` over every row: a listing reads one page,
and a metric condition becomes an indexed lookup in ``job_metrics`` per row the
page walks, so filtering 10,000 runs costs what listing them does. The meaning
is ``runfilter.matches``'s; the two SQL functions registered on every
connection (``store.connect``) are its ``as_number`` and ``like``, so both
agree on what counts as a number and what a pattern matches.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ...runfilter import Comparison, RunFilter, TextSearch, as_number, like

_COLUMNS = {
    "status": "j.status", "experiment": "j.experiment", "name": "j.name", "display_name": "j.display_name",
    "type": "j.type", "compute": "j.compute", "description": "j.description",
}
_SQL_OPS = {"=": "=", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


def register_functions(conn: sqlite3.Connection) -> None:
    """``amlx_number(text)`` and ``amlx_like(pattern, text, case_sensitive)`` on one connection."""
    conn.create_function("amlx_number", 1, as_number, deterministic=True)
    conn.create_function(
        "amlx_like", 3, lambda p, v, cs: like(p, v, case_sensitive=bool(cs)), deterministic=True
    )


def filter_sql(run_filter: RunFilter | None) -> tuple[list[str], list[Any]]:
    """WHERE clauses (over ``jobs j``) and their parameters; every clause must hold."""
    if run_filter is None:
        return [], []
    clauses: list[str] = []
    params: list[Any] = []
    for condition in run_filter.conditions:
        sql, values = _condition(condition)
        clauses.append(sql)
        params.extend(values)
    return clauses, params


def _condition(condition: Comparison | TextSearch) -> tuple[str, list[Any]]:
    if isinstance(condition, TextSearch):
        pattern = "%" + condition.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return (
            "(j.name LIKE ? ESCAPE '\\' OR j.display_name LIKE ? ESCAPE '\\' OR j.experiment LIKE ? ESCAPE '\\')",
            [pattern] * 3,
        )
    if condition.kind == "metric":
        test, values = _test("m.value", condition)
        sql = f"EXISTS (SELECT 1 FROM job_metrics m WHERE m.job_seq = j.seq AND m.key = ? AND {test})"
        return sql, [condition.key, *values]
    if condition.kind == "param":
        value = "amlx_number(p.value)" if condition.numeric else "p.value"
        test, values = _test(value, condition)
        sql = f"EXISTS (SELECT 1 FROM job_params p WHERE p.job_seq = j.seq AND p.key = ? AND {test})"
        return sql, [condition.key, *values]
    if condition.kind == "tag":
        test, values = _test("t.value", condition)
        sql = f"EXISTS (SELECT 1 FROM json_each(j.tags) t WHERE t.key = ? AND {test})"
        return sql, [condition.key, *values]
    column = _COLUMNS[condition.key]
    test, values = _test(column, condition)
    return f"({column} IS NOT NULL AND {test})", values


def _test(value: str, condition: Comparison) -> tuple[str, list[Any]]:
    """``value <op> ?`` for one comparison; a missing value (NULL) never passes."""
    op = condition.op
    if op in ("in", "not in"):
        assert isinstance(condition.value, tuple)
        marks = ",".join("?" * len(condition.value))
        negated = "NOT " if op == "not in" else ""
        return f"({value} IS NOT NULL AND {value} {negated}IN ({marks}))", list(condition.value)
    if op in ("like", "ilike"):
        return f"amlx_like(?, {value}, {1 if op == 'like' else 0})", [condition.value]
    return f"{value} {_SQL_OPS[op]} ?", [condition.value]
