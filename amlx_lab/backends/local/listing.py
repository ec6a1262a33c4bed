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
from dataclasses import dataclass
from typing import Any

from ...errors import ValidationError
from ...records import JobPage
from ...specs import JobQuery
from .filter_sql import filter_sql
from .job_index import jobs_from_rows
from .store import Store
from ...i18n import _

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


def _filters(query: JobQuery) -> _Query:
    clauses: list[str] = []
    params: list[Any] = []
    if query.experiment is not None:
        clauses.append("j.experiment = ?")
        params.append(query.experiment)
    statuses = sorted({s.value for s in query.status})
    if statuses:
        clauses.append(f"j.status IN ({','.join('?' * len(statuses))})")
        params.extend(statuses)
    if query.parent is not None:
        clauses.append("j.parent = ?")
        params.append(query.parent)
    elif query.top_level:
        clauses.append("j.parent IS NULL")
    if not query.include_archived:
        clauses.append("j.archived = 0")
    if query.text:
        pattern = "%" + query.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        clauses.append(
            "(j.name LIKE ? ESCAPE '\\' OR j.display_name LIKE ? ESCAPE '\\' OR j.experiment LIKE ? ESCAPE '\\')"
        )
        params.extend([pattern] * 3)
    filter_clauses, filter_params = filter_sql(query.run_filter)
    clauses += filter_clauses
    params += filter_params
    identity = [query.experiment, statuses, query.text, query.parent, query.top_level, query.filter,
                query.include_archived]
    fingerprint = hashlib.sha256(json.dumps(identity).encode()).hexdigest()[:12]
    return _Query(" AND ".join(clauses) or "1", params, fingerprint)


def _encode(cursor: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(cursor, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode(cursor: str, expect: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(data, dict) or data.get("phase") not in (1, 2) or not isinstance(data.get("seq"), int):
            raise ValueError
    except (ValueError, TypeError, UnicodeDecodeError):
        raise ValidationError(_("The cursor is not one this server handed out."), field="cursor") from None
    if any(data.get(k) != v for k, v in expect.items()):
        raise ValidationError(_("The cursor belongs to a listing with other filters or another order."), field="cursor")
    return data


def list_jobs(store: Store, query: JobQuery) -> JobPage:
    """One page of jobs; see the module doc for the order of rows without a sort value."""
    where = _filters(query)
    order_by, descending, limit, cursor = query.order_by, query.descending, query.limit, query.cursor
    metric = query.metric
    identity = {"order": order_by, "desc": bool(descending), "filters": where.fingerprint}
    state = _decode(cursor, identity) if cursor else {"phase": 1, "value": None, "seq": None}

    direction = "DESC" if descending else "ASC"
    after = "<" if descending else ">"
    rows: list[Any] = []
    with store.read() as conn:
        total = conn.execute(f"SELECT COUNT(*) FROM jobs j WHERE {where.where}", where.params).fetchone()[0]
        phase = state["phase"]
        if phase == 1:
            sql, params = _phase_one(where, order_by, metric, direction, after, state, limit + 1)
            rows = conn.execute(sql, params).fetchall()
            if len(rows) <= limit and (metric or _COLUMNS[order_by]):
                phase = 2  # this walk is done; rows without a value follow
                state = {"phase": 2, "value": None, "seq": None}
        if phase == 2 and len(rows) <= limit:
            sql, params = _phase_two(where, metric, order_by, direction, after, state, limit + 1 - len(rows))
            rows += conn.execute(sql, params).fetchall()
        page = rows[:limit]
        items = jobs_from_rows(conn, page)
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
        column = _COLUMNS[order_by] or "j.seq"
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
