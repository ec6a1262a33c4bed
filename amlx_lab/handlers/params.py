"""The query strings of the REST routes, as input models (the job listing's is ``JobQuery``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..validation import QueryModel
from .longpoll import MAX_WAIT_S

#: The most log text one request returns.
MAX_LOG_LIMIT = 1024 * 1024


class LogsQuery(QueryModel):
    """``offset`` is the ``next_offset`` of the previous chunk (opaque); ``wait`` holds the request until new text.

    ``log`` picks the file: ``user`` (std_log.txt) or ``system`` (MLflow's messages from inside the job).
    """

    log: Literal["user", "system"] = "user"
    offset: str | None = None
    limit: int = Field(default=65536, ge=1, le=MAX_LOG_LIMIT)
    wait: float = Field(default=0.0, ge=0.0, le=MAX_WAIT_S)


class EventsQuery(QueryModel):
    """``cursor`` from the previous answer (omit it to get the present one); ``wait`` holds until a job changes."""

    cursor: str | None = None
    wait: float = Field(default=0.0, ge=0.0, le=MAX_WAIT_S)


class MetricsQuery(QueryModel):
    """Metric keys whose histories to return (repeat ``key``); none: every metric the job logged."""

    key: list[str] = Field(default_factory=list, max_length=200)
