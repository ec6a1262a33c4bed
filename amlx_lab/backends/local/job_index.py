"""Job rows in the index: turning them into ``Job`` records and changing them safely.

Every state change is a compare-and-set (``WHERE status IN (...)``) inside a
``BEGIN IMMEDIATE`` transaction that also bumps the global revision. That is
what lets a supervisor, a cancel request and a reconcile race without ever
overwriting a final status: a terminal status can never be changed.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Sequence
from typing import Any

from ...errors import NotFoundError
from ...records import TERMINAL_STATUSES, Job, JobInput, JobStatus, JobType
from ... import jsonio
from .store import Store, Transaction
from .tracking import LatestMetric
from ...i18n import _

ACTIVE = tuple(s.value for s in JobStatus if s not in TERMINAL_STATUSES)
TERMINAL = tuple(s.value for s in TERMINAL_STATUSES)


def row_to_job(
    row: sqlite3.Row,
    metrics: dict[str, float | None] | None = None,
    params: dict[str, str] | None = None,
) -> Job:
    updated = row["updated_at"]
    if updated is None:  # rows written before the column existed
        updated = max(t for t in (row["created_at"], row["started_at"], row["ended_at"]) if t is not None)
    return Job(
        name=row["name"],
        display_name=row["display_name"],
        experiment=row["experiment"],
        status=JobStatus(row["status"]),
        compute=row["compute"],
        created_at=row["created_at"],
        type=JobType(row["type"]),
        parent=row["parent"],
        started_at=row["started_at"],
        ended_at=row["ended_at"],
        updated_at=updated,
        command=tuple(jsonio.loads(row["command"])),
        environment=row["environment"],
        parameters=jsonio.loads(row["parameters"]),
        inputs=tuple(JobInput(**item) for item in jsonio.loads(row["inputs"])),
        tags=jsonio.loads(row["tags"]),
        metrics=metrics or {},
        params=params or {},
        exit_code=row["exit_code"],
        error=row["error"],
        mlflow_run_id=row["mlflow_run_id"],
        mlflow_experiment_id=row["mlflow_experiment_id"],
        description=row["description"],
        archived=bool(row["archived"]),
    )


def jobs_from_rows(conn: sqlite3.Connection | Store, rows: Sequence[sqlite3.Row]) -> list[Job]:
    """Records for ``rows``, with their metrics and params loaded in two queries."""
    if not rows:
        return []
    seqs = [row["seq"] for row in rows]
    metrics: dict[int, dict[str, float | None]] = {s: {} for s in seqs}
    params: dict[int, dict[str, str]] = {s: {} for s in seqs}
    marks = ",".join("?" * len(seqs))
    run = conn.query if isinstance(conn, Store) else (lambda sql, p: conn.execute(sql, p).fetchall())
    for seq, key, value in run(f"SELECT job_seq, key, value FROM job_metrics WHERE job_seq IN ({marks})", seqs):
        metrics[seq][key] = value
    for seq, key, value in run(f"SELECT job_seq, key, value FROM job_params WHERE job_seq IN ({marks})", seqs):
        params[seq][key] = value
    return [row_to_job(row, metrics[row["seq"]], params[row["seq"]]) for row in rows]


def get_row(store: Store, name: str) -> sqlite3.Row:
    rows = store.query("SELECT * FROM jobs WHERE name = ?", (name,))
    if not rows:
        raise NotFoundError(_("There is no job named {name!r} in this workspace.").format(name=name), details={"job": name})
    return rows[0]


def get_job(store: Store, name: str) -> Job:
    with store.read() as conn:
        row = conn.execute("SELECT * FROM jobs WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise NotFoundError(_("There is no job named {name!r} in this workspace.").format(name=name), details={"job": name})
        return jobs_from_rows(conn, [row])[0]


def insert(tx: Transaction, values: dict[str, Any]) -> int:
    """Insert a job row (stamped with a new revision); returns its ``seq``."""
    values = dict(values, revision=tx.next_revision(), updated_at=time.time())
    columns = ", ".join(values)
    marks = ", ".join(f":{k}" for k in values)
    seq = tx.execute(f"INSERT INTO jobs ({columns}) VALUES ({marks})", values).lastrowid
    assert seq is not None
    return int(seq)


def update(
    store: Store,
    name: str,
    changes: dict[str, Any],
    *,
    only_if: Iterable[str] = ACTIVE,
) -> bool:
    """Apply ``changes`` if the job's status is one of ``only_if``; ``False`` if it was not."""
    with store.write() as tx:
        return update_in(tx, name, changes, only_if=only_if)


def update_in(tx: Transaction, name: str, changes: dict[str, Any], *, only_if: Iterable[str] = ACTIVE) -> bool:
    allowed = tuple(only_if)
    sets = ", ".join(f"{k} = :{k}" for k in changes)
    marks = ", ".join(f":_s{i}" for i in range(len(allowed)))
    params = dict(changes, _name=name, **{f"_s{i}": s for i, s in enumerate(allowed)})
    row = tx.execute(f"SELECT 1 FROM jobs WHERE name = :_name AND status IN ({marks})", params).fetchone()
    if row is None:
        return False
    params["revision"] = tx.next_revision()
    params["updated_at"] = time.time()
    tx.execute(f"UPDATE jobs SET {sets}, revision = :revision, updated_at = :updated_at WHERE name = :_name", params)
    return True


def replace_run_data(
    store: Store,
    name: str,
    seq: int,
    metrics: list[LatestMetric],
    params: dict[str, str],
    run_changes: dict[str, Any],
) -> bool:
    """Mirror the run's latest metrics and params; bumps the revision only when something changed."""
    with store.write() as tx:
        have_m = {
            r[0]: (r[1], r[2], r[3])
            for r in tx.execute("SELECT key, value, step, timestamp FROM job_metrics WHERE job_seq = ?", (seq,))
        }
        have_p = dict(tx.execute("SELECT key, value FROM job_params WHERE job_seq = ?", (seq,)).fetchall())
        want_m = {m.key: (m.value, m.step, m.timestamp) for m in metrics}
        current = tx.execute(
            "SELECT mlflow_run_id, mlflow_experiment_id FROM jobs WHERE seq = ?", (seq,)
        ).fetchone()
        run_changed = any(current[k] != v for k, v in run_changes.items())
        if have_m == want_m and have_p == params and not run_changed:
            return False
        for key in have_m.keys() - want_m.keys():
            tx.execute("DELETE FROM job_metrics WHERE job_seq = ? AND key = ?", (seq, key))
        for key, (value, step, stamp) in want_m.items():
            if have_m.get(key) != (value, step, stamp):
                tx.execute(
                    "INSERT INTO job_metrics (job_seq, key, value, step, timestamp) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT (job_seq, key) DO UPDATE SET value = excluded.value, step = excluded.step, "
                    "timestamp = excluded.timestamp",
                    (seq, key, value, step, stamp),
                )
        for key in have_p.keys() - params.keys():
            tx.execute("DELETE FROM job_params WHERE job_seq = ? AND key = ?", (seq, key))
        for key, text in params.items():
            if have_p.get(key) != text:
                tx.execute(
                    "INSERT INTO job_params (job_seq, key, value) VALUES (?, ?, ?) "
                    "ON CONFLICT (job_seq, key) DO UPDATE SET value = excluded.value",
                    (seq, key, text),
                )
        sets = "".join(f", {k} = :{k}" for k in run_changes)
        tx.execute(
            f"UPDATE jobs SET revision = :revision, updated_at = :updated_at{sets} WHERE seq = :seq",
            dict(run_changes, revision=tx.next_revision(), updated_at=time.time(), seq=seq),
        )
        return True


def changes_since(store: Store, revision: int, limit: int = 500) -> tuple[list[Job], int, bool]:
    """Jobs whose row changed after ``revision`` (oldest change first), the revision to ask from next,
    and whether more changes are waiting beyond ``limit``."""
    with store.read() as conn:
        current = int(conn.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()[0])
        rows = conn.execute(
            "SELECT * FROM jobs WHERE revision > ? ORDER BY revision LIMIT ?", (revision, limit)
        ).fetchall()
        jobs = jobs_from_rows(conn, rows)
    if len(rows) == limit:  # more to come: resume after the last one returned
        return jobs, int(rows[-1]["revision"]), True
    return jobs, max(current, revision), False


def now() -> float:
    return time.time()
