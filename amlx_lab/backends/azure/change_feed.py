"""The sidebar's live updates on Azure: a change feed made by listing the newest jobs and diffing.

Azure ML has no change feed, and the long-poll asks every 0.25 s, so the feed
answers from memory and lists the newest ``WINDOW`` jobs again only when
``interval`` has passed: ``MIN_INTERVAL_S`` while a job in the window is active
(or right after this process submitted or canceled one), doubling up to
``MAX_INTERVAL_S`` while nothing changes, and longer after a failure (a 429's
``Retry-After`` is honoured). A job counts as changed when its status, display
name or tags differ from the last listing, or when it first appears; metrics
logged by a running job are not changes (the run details reload those).
Jobs older than the window are not watched.

Cursors are opaque: ``f<process>.<sequence>``. A cursor from another process
(a restarted server) or one too old to answer from memory gets every job in
the window, which is what a client that missed changes needs.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import threading
import time
from collections import deque
from typing import Any

from ...errors import AmlxError, ValidationError
from ...records import Job, JobChanges
from ...i18n import _
from .job_reads import JobReader
from .job_records import raw_status, status_of

log = logging.getLogger("amlx_lab.azure")

WINDOW = 50
MIN_INTERVAL_S = 5.0
MAX_INTERVAL_S = 60.0
ERROR_INTERVAL_S = 30.0
MAX_CHANGES = 500
KEEP = 5000  # change-log entries kept in memory
_CURSOR = re.compile(r"^f([0-9a-f]{8})\.(\d{1,12})$")


class ChangeFeed:
    def __init__(self, reader: JobReader) -> None:
        self._reader = reader
        self._process = secrets.token_hex(4)
        self._lock = threading.Lock()
        self._sequence = 0
        self._log: deque[tuple[int, str]] = deque(maxlen=KEEP)
        self._signatures: dict[str, str] = {}
        self._records: dict[str, Job] = {}
        self._entities: list[Any] = []
        self._refreshed: float | None = None
        self._interval = MIN_INTERVAL_S

    def poke(self) -> None:
        """Something changed here (a submit, a cancel): list again on the next question."""
        with self._lock:
            self._interval = 0.0

    def changes(self, cursor: str | None) -> JobChanges:
        if cursor is None:
            with self._lock:
                self._refresh_if_due(strict=True)
                return JobChanges(jobs=(), cursor=self._cursor())
        match = _CURSOR.match(cursor) if isinstance(cursor, str) else None
        if match is None:
            raise ValidationError(_('The cursor is not one this server handed out (omit it to start).'), field="cursor")
        with self._lock:
            self._refresh_if_due(strict=self._refreshed is None)
            since = int(match.group(2))
            oldest = self._log[0][0] if self._log else self._sequence + 1
            if match.group(1) != self._process or since > self._sequence or (since < oldest - 1 and self._log):
                everything = self._reader.records(self._entities)  # unknown history: everything in the window
                return JobChanges(jobs=tuple(everything[:MAX_CHANGES]), cursor=self._cursor(),
                                  more=len(everything) > MAX_CHANGES)
            else:
                latest: dict[str, int] = {}
                for sequence, name in self._log:
                    if sequence > since:
                        latest[name] = sequence
                names = sorted(latest, key=latest.__getitem__)
            more = len(names) > MAX_CHANGES
            jobs = tuple(self._records[n] for n in names[:MAX_CHANGES] if n in self._records)
            return JobChanges(jobs=jobs, cursor=self._cursor(), more=more)

    def _cursor(self) -> str:
        return f"f{self._process}.{self._sequence}"

    def _refresh_if_due(self, *, strict: bool) -> None:
        now = time.monotonic()
        if self._refreshed is not None and now - self._refreshed < self._interval:
            return
        try:
            self._refresh()
        except AmlxError as exc:
            self._refreshed = now
            wait = exc.details.get("retry_after") if isinstance(exc.details, dict) else None
            self._interval = max(ERROR_INTERVAL_S, float(wait or 0))
            if strict:
                raise
            log.warning("amlx_lab: listing Azure ML jobs for live updates failed (%s); next try in %.0f s",
                        exc.message, self._interval)

    def _refresh(self) -> None:
        entities = self._reader.newest(WINDOW)
        changed: list[Any] = []
        signatures = {}
        for entity in entities:
            name = str(entity.name)
            signature = _signature(entity)
            signatures[name] = signature
            if self._signatures.get(name) != signature:
                changed.append(entity)
        if self._refreshed is not None:  # the first listing is the baseline: nothing has changed yet
            for entity in changed:  # a changed job's run and metrics are read again, not taken from the cache
                self._reader.forget(str(entity.name))
            for record in self._reader.records(changed):
                self._records[record.name] = record
                self._sequence += 1
                self._log.append((self._sequence, record.name))
        self._signatures = signatures
        self._entities = entities
        for name in [n for n in self._records if n not in signatures]:
            del self._records[name]
        self._refreshed = time.monotonic()
        active = any(not status_of(e.status).terminal for e in entities)
        self._interval = MIN_INTERVAL_S if changed or active else min(max(self._interval, MIN_INTERVAL_S) * 2,
                                                                      MAX_INTERVAL_S)


def _signature(entity: Any) -> str:
    tags = getattr(entity, "tags", None) or {}
    return json.dumps([raw_status(entity.status), getattr(entity, "display_name", None), dict(tags)],
                      sort_keys=True, default=str)
