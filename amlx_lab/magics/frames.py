"""Jobs as a pandas DataFrame, the shape ``%aml jobs`` returns.

Its own module because it is the only code here that needs pandas, which is
imported inside the function: loading the magics must not import it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from ..records import Job


def jobs_frame(jobs: Iterable[Job]) -> Any:
    """Jobs as a pandas DataFrame, one row per job.

    Columns: ``name, display_name, experiment, status, created`` (local time),
    ``duration_s``, ``compute``, then ``params.<name>`` and ``metrics.<key>``:
    the prefixes are MLflow's ``search_runs`` convention and the facade's
    ``order_by="metrics.rmse"``, and they keep a metric named like a column
    apart. ``params.*`` are the parameters the job was submitted with, plus
    what the run logged with ``mlflow.log_param`` under names no parameter has.
    """
    import pandas as pd

    rows = []
    for job in jobs:
        row: dict[str, Any] = {
            "name": job.name,
            "display_name": job.display_name,
            "experiment": job.experiment,
            "status": job.status.value,
            "created": pd.Timestamp.fromtimestamp(job.created_at),
            "duration_s": ((job.ended_at or time.time()) - job.started_at) if job.started_at else None,
            "compute": job.compute,
        }
        params = {**job.params, **job.parameters}
        row.update({f"params.{k}": params[k] for k in sorted(params)})
        row.update({f"metrics.{k}": job.metrics[k] for k in sorted(job.metrics)})
        rows.append(row)
    base = ["name", "display_name", "experiment", "status", "created", "duration_s", "compute"]
    frame = pd.DataFrame(rows, columns=None if rows else base)
    extra = sorted(c for c in frame.columns if c not in base)
    ordered = [c for c in extra if c.startswith("params.")] + [c for c in extra if c.startswith("metrics.")]
    return frame[base + ordered]
