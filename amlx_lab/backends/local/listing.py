"""Job listings: filters, sort by a column or any metric, keyset pagination.

Why keyset and not OFFSET: a cursor that remembers the last (sort value, seq)
stays correct while new jobs are submitted, and each page costs the same
however deep it is. Rows whose sort value is missing (a job that never logged
the metric, a job not started yet) come after all the others, in submission
order, as a second "phase" of the same walk; the cursor records the phase.

The metric sort walks the ``job_metrics (key, value, job_seq)`` index, so the
first 50 of 10,000 jobs by ``metrics.rmse`` reads about 50 index entries.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ...errors import ValidationError
from ...records import JobPage, JobStatus
from .job_index import jobs_from_rows
from .layout import Layout
from .store import Store

MAX_LIMIT = 1000

# Sortable columns; created_at follows submission order (seq), which never ties.
_COLUMNS = {
    "created_at": None,
    "started_at": "j.started_at",
    "ended_at": "j.ended_at",
    "name": "j.name",
    "display_name": "j.display_name",
    "experiment": "j.experiment",
    "status": "j.status",
}


@dataclass(frozen=True)
class _Query:
    where: str
    params: list[Any]
    fingerprint: str


def _filters(experiment: str | None, status: Iterable[str] | str | None, text: str | None) -> _Query:
    clauses: list[str] = []
    params: list[Any] = []
    if experiment is not None:
        if not isinstance(experiment, str):
            raise ValidationError("experiment must be a string.", field="experiment")
        clauses.append("j.experiment = ?")
        params.append(experiment)
    statuses: list[str] = []
    if status is not None:
        for item in [status] if isinstance(status, (str, JobStatus)) else list(status):
            try:
                statuses.append(JobStatus(item).value)
            except ValueError:
                known = ", ".join(s.value for s in JobStatus)
                raise ValidationError(f"Unknown status {item!r}: use one of {known}.", field="status") from None
        if statuses:
            clauses.append(f"j.status IN ({','.join('?' * len(statuses))})")
            params.extend(statuses)
    if text:
        if not isinstance(text, str):
            raise ValidationError("text must be a string.", field="text")
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        clauses.append(
            "(j.name LIKE ? ESCAPE '\\' OR j.display_name LIKE ? ESCAPE '\\' OR j.experiment LIKE ? ESCAPE '\\')"
        )
        params.extend([pattern] * 3)
    fingerprint = hashlib.sha256(json.dumps([experiment, sorted(statuses), text]).encode()).hexdigest()[:12]
    return _Query(" AND ".join(clauses) or "1", params, fingerprint)


def _encode(cursor: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(cursor, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode(cursor: str, expect: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(data, dict) or data.get("phase") not in (1, 2) or not isinstance(data.get("seq"), int):
            raise ValueError
    except (ValueError, TypeError, UnicodeDecodeError):
        raise ValidationError("The cursor is not one this server handed out.", field="cursor") from None
    if any(data.get(k) != v for k, v in expect.items()):
        raise ValidationError("The cursor belongs to a listing with other filters or another order.", field="cursor")
    return data


def list_jobs(
    store: Store,
    layout: Layout,
    *,
    experiment: str | None = None,
    status: Iterable[str] | str | None = None,
    text: str | None = None,
    order_by: str = "created_at",
    descending: bool = True,
    limit: int = 50,
    cursor: str | None = None,
) -> JobPage:
    """One page of jobs; see the module doc for the order of rows without a sort value."""
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"limit must be a whole number from 1 to {MAX_LIMIT}.", field="limit")
    if not isinstance(order_by, str):
        raise ValidationError("order_by must be a string.", field="order_by")
    query = _filters(experiment, status, text)
    metric = order_by[len("metrics."):] if order_by.startswith("metrics.") else None
    if metric is None and order_by not in _COLUMNS:
        choices = ", ".join([*_COLUMNS, "metrics.<key>"])
        raise ValidationError(f"Cannot sort by {order_by!r}: use one of {choices}.", field="order_by")
    if metric == "":
        raise ValidationError("Name the metric to sort by, as metrics.<key>.", field="order_by")
    identity = {"order": order_by, "desc": bool(descending), "filters": query.fingerprint}
    state = _decode(cursor, identity) if cursor else {"phase": 1, "value": None, "seq": None}

    direction = "DESC" if descending else "ASC"
    after = "<" if descending else ">"
    rows: list[Any] = []
    with store.read() as conn:
        total = conn.execute(f"SELECT COUNT(*) FROM jobs j WHERE {query.where}", query.params).fetchone()[0]
        phase = state["phase"]
        if phase == 1:
            sql, params = _phase_one(query, order_by, metric, direction, after, state, limit + 1)
            rows = conn.execute(sql, params).fetchall()
            if len(rows) <= limit and (metric or _COLUMNS[order_by]):
                phase = 2  # this walk is done; rows without a value follow
                state = {"phase": 2, "value": None, "seq": None}
        if phase == 2 and len(rows) <= limit:
            sql, params = _phase_two(query, metric, order_by, direction, after, state, limit + 1 - len(rows))
            rows += conn.execute(sql, params).fetchall()
        page = rows[:limit]
        items = jobs_from_rows(conn, page, layout)
    next_cursor = None
    if len(rows) > limit:
        last = page[-1]
        in_phase_two = "sort_value" not in last.keys()  # phase-two queries select no sort value
        next_cursor = _encode(
            dict(
                identity,
                phase=2 if in_phase_two else 1,
                value=None if in_phase_two else last["sort_value"],
                seq=last["seq"],
            )
        )
    return JobPage(items=tuple(items), next_cursor=next_cursor, total=total)


def _phase_one(
    query: _Query, order_by: str, metric: str | None, direction: str, after: str, state: dict[str, Any], limit: int
) -> tuple[str, list[Any]]:
    """Rows that have a sort value, in (value, seq) order, after the cursor."""
    params: list[Any] = []
    if metric is not None:
        sql = (
            "SELECT j.*, m.value AS sort_value FROM job_metrics m JOIN jobs j ON j.seq = m.job_seq "
            f"WHERE m.key = ? AND m.value IS NOT NULL AND {query.where}"
        )
        params += [metric, *query.params]
        key = "m.value"
        seq = "m.job_seq"
    elif _COLUMNS[order_by] is None:  # created_at: submission order
        sql = f"SELECT j.*, j.seq AS sort_value FROM jobs j WHERE {query.where}"
        params += query.params
        if state["seq"] is not None:
            sql += f" AND j.seq {after} ?"
            params.append(state["seq"])
        return sql + f" ORDER BY j.seq {direction} LIMIT ?", [*params, limit]
    else:
        column = _COLUMNS[order_by]
        sql = f"SELECT j.*, {column} AS sort_value FROM jobs j WHERE {column} IS NOT NULL AND {query.where}"
        params += query.params
        key = column
        seq = "j.seq"
    if state["seq"] is not None:
        sql += f" AND ({key}, {seq}) {after} (?, ?)"
        params += [state["value"], state["seq"]]
    return sql + f" ORDER BY {key} {direction}, {seq} {direction} LIMIT ?", [*params, limit]


def _phase_two(
    query: _Query,
    metric: str | None,
    order_by: str,
    direction: str,
    after: str,
    state: dict[str, Any],
    limit: int,
) -> tuple[str, list[Any]]:
    """Rows without a sort value, in submission order (newest first when descending)."""
    params: list[Any] = []
    if metric is not None:
        missing = "NOT EXISTS (SELECT 1 FROM job_metrics m WHERE m.job_seq = j.seq AND m.key = ? AND m.value IS NOT NULL)"
        params.append(metric)
    else:
        missing = f"{_COLUMNS[order_by]} IS NULL"
    sql = f"SELECT j.* FROM jobs j WHERE {missing} AND {query.where}"
    params += query.params
    if state["seq"] is not None:
        sql += f" AND j.seq {after} ?"
        params.append(state["seq"])
    return sql + f" ORDER BY j.seq {direction} LIMIT ?", [*params, limit]
