"""Managing runs in the index: their tags and description, archiving, and deleting finished ones.

Why here and not in MLflow: the index is what every listing, the change feed
and the filter read, so a label or an archive flag written there is seen at
once (each change bumps the job's revision, so the sidebars update). A run's
own MLflow tags are left as the job logged them.

Deleting removes what is the run's alone: its row (metrics and params go with
it), its folder (code, outputs, logs) and, in MLflow's store, the run is
marked deleted as ``mlflow gc`` expects. A run still going, or one a registered
model version was taken from, is refused with a sentence saying why.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import time

from ...errors import ConflictError, NotFoundError
from ...records import JobStatus
from ...specs import LabelUpdate
from .layout import Layout
from .store import Store

_ALL_STATUSES = tuple(s.value for s in JobStatus)


def _missing(name: str) -> NotFoundError:
    return NotFoundError(f"There is no job named {name!r} in this workspace.", details={"job": name})


def update_labels(store: Store, name: str, update: LabelUpdate) -> None:
    """Apply a merge-patch of tags and description to one job, in one write transaction."""
    with store.write() as tx:
        row = tx.execute("SELECT tags, description FROM jobs WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise _missing(name)
        tags, description = update.applied_to(json.loads(row["tags"]), row["description"])
        tx.execute(
            "UPDATE jobs SET tags = ?, description = ?, revision = ?, updated_at = ? WHERE name = ?",
            (json.dumps(tags), description, tx.next_revision(), time.time(), name),
        )


def set_archived(store: Store, name: str, archived: bool) -> int:
    """Archive (or restore) a job and every job below it (a sweep's or AutoML job's trials); returns how many changed."""
    with store.write() as tx:
        if tx.execute("SELECT 1 FROM jobs WHERE name = ?", (name,)).fetchone() is None:
            raise _missing(name)
        family = _family(tx.conn, name)
        changed = 0
        for member in family:
            cursor = tx.execute(
                "UPDATE jobs SET archived = ?, revision = ?, updated_at = ? WHERE name = ? AND archived != ?",
                (int(archived), tx.next_revision(), time.time(), member, int(archived)),
            )
            changed += cursor.rowcount
        return changed


def _family(conn: sqlite3.Connection, name: str) -> list[str]:
    """The job and its descendants, parents first."""
    found = [name]
    frontier = [name]
    while frontier:
        marks = ",".join("?" * len(frontier))
        frontier = [r[0] for r in conn.execute(f"SELECT name FROM jobs WHERE parent IN ({marks})", frontier)]
        found += frontier
    return found


def delete(store: Store, layout: Layout, name: str) -> None:
    """Delete a finished job and its trials with their files; 409 when it runs or a model comes from it."""
    with store.write() as tx:
        row = tx.execute("SELECT status FROM jobs WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise _missing(name)
        family = _family(tx.conn, name)
        marks = ",".join("?" * len(family))
        rows = tx.execute(f"SELECT name, status, mlflow_run_id FROM jobs WHERE name IN ({marks})", family).fetchall()
        active = [r["name"] for r in rows if not JobStatus(r["status"]).terminal]
        if active:
            which = "It is" if active == [name] else f"{', '.join(active)} of it {'is' if len(active) == 1 else 'are'}"
            raise ConflictError(
                f"Job {name} cannot be deleted while it runs: {which} still going. Cancel it first, or archive it "
                "to hide it.", details={"job": name, "active": active},
            )
        models = tx.execute(
            f"SELECT name, version, job FROM model_versions WHERE job IN ({marks}) ORDER BY name, version", family
        ).fetchall()
        if models:
            refs = ", ".join(f"{m['name']}:{m['version']}" for m in models)
            raise ConflictError(
                f"Job {name} cannot be deleted: the registered model {refs} comes from it "
                f"{'and keeps a copy' if len(models) == 1 else 'and they keep copies'}, but the run is its record of "
                "how it was made. Archive the job to hide it instead.",
                details={"job": name, "models": [f"{m['name']}:{m['version']}" for m in models]},
            )
        tx.execute(f"DELETE FROM jobs WHERE name IN ({marks})", family)
        tx.next_revision()  # the listing's total changed; the feed's cursor moves on
    for member in family:
        shutil.rmtree(layout.job_dir(member), ignore_errors=True)
    _forget_mlflow_runs(layout, [r["mlflow_run_id"] for r in rows if r["mlflow_run_id"]])


def _forget_mlflow_runs(layout: Layout, run_ids: list[str]) -> None:
    """Mark the runs deleted in MLflow's store (what ``MlflowClient.delete_run`` does), so they leave its UI too."""
    if not run_ids or not layout.mlflow_db.exists():
        return
    conn = sqlite3.connect(layout.mlflow_db, timeout=30)
    try:
        marks = ",".join("?" * len(run_ids))
        stamp = int(time.time() * 1000)
        conn.execute(
            f"UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = ? WHERE run_uuid IN ({marks})",
            [stamp, *run_ids],
        )
        conn.commit()
    except sqlite3.Error:
        pass  # the index row and files are gone; MLflow's own record is a courtesy
    finally:
        conn.close()
