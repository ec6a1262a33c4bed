"""Jobs as a pandas DataFrame, the shape ``%aml jobs`` returns.

Its own module because it is the only code here that needs pandas, which is
imported inside the function: loading the magics must not import it.

What a table of runs is for is comparing them, so by default it holds the
columns that tell runs apart: who (name, display name), how it went (status,
created, duration), what was asked (the submitted parameters) and what came
out (the metrics some run logged). Autologging logs dozens of estimator
params per run and most metrics exist in a few runs only; those columns are
kept for ``all_columns``. Times are to the second: microseconds only widen
the table.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

from ..records import Job

#: the columns every default table starts with (``experiment`` joins when the rows may span several)
COLUMNS = ("name", "display_name", "status", "created", "duration_s")
#: the record's own fields in an ``all_columns`` table, before ``params.*``, ``metrics.*`` and ``tags.*``
ALL_COLUMNS = (
    "name", "display_name", "experiment", "type", "status", "created", "started", "ended", "duration_s",
    "compute", "parent", "exit_code", "error", "mlflow_run_id",
)


def _second(pd: Any, stamp: float | None) -> Any:
    """A local time to the second (``NaT`` for "not yet")."""
    return pd.Timestamp.fromtimestamp(int(stamp)) if stamp is not None else pd.NaT


def _duration(job: Job) -> float | None:
    """Seconds from start to end (or to now while it runs), to a tenth."""
    if job.started_at is None:
        return None
    return round((job.ended_at or time.time()) - job.started_at, 1)


def jobs_frame(jobs: Iterable[Job], *, all_columns: bool = False, experiment_column: bool = True) -> Any:
    """Jobs as a pandas DataFrame, one row per job, in the order given.

    Default columns: ``name, display_name, [experiment,] status, created, duration_s``,
    then ``params.<name>`` for the parameters the job was submitted with and
    ``metrics.<key>`` for each metric at least one row has a value for.
    ``experiment_column=False`` leaves out the experiment (the listing was of one).

    ``all_columns``: every field of the record (``ALL_COLUMNS``), ``params.*`` with
    what the run logged as well (``mlflow.log_param``, autologging), every metric
    key, and ``tags.*``. The ``params.``/``metrics.`` prefixes are MLflow's
    ``search_runs`` convention and the facade's ``order_by="metrics.rmse"``; they
    keep a metric named like a column apart.
    """
    import pandas as pd

    rows: list[dict[str, Any]] = []
    for job in jobs:
        row: dict[str, Any] = {
            "name": job.name,
            "display_name": job.display_name,
            "experiment": job.experiment,
            "type": job.type.value,
            "status": job.status.value,
            "created": _second(pd, job.created_at),
            "started": _second(pd, job.started_at),
            "ended": _second(pd, job.ended_at),
            "duration_s": _duration(job),
            "compute": job.compute,
            "parent": job.parent,
            "exit_code": job.exit_code,
            "error": job.error,
            "mlflow_run_id": job.mlflow_run_id,
        }
        params = {**job.params, **job.parameters} if all_columns else job.parameters
        row.update({f"params.{k}": params[k] for k in sorted(params)})
        row.update({f"metrics.{k}": job.metrics[k] for k in sorted(job.metrics)})
        if all_columns:
            row.update({f"tags.{k}": job.tags[k] for k in sorted(job.tags)})
        rows.append(row)
    if all_columns:
        base: Sequence[str] = ALL_COLUMNS
    else:
        base = (*COLUMNS[:2], "experiment", *COLUMNS[2:]) if experiment_column else COLUMNS
    frame = pd.DataFrame(rows, columns=None if rows else list(ALL_COLUMNS))
    extra = sorted(c for c in frame.columns if c not in ALL_COLUMNS)
    if not all_columns:
        extra = [c for c in extra if not c.startswith("metrics.") or frame[c].notna().any()]
    ordered = [c for prefix in ("params.", "metrics.", "tags.") for c in extra if c.startswith(prefix)]
    return frame[list(base) + ordered]
