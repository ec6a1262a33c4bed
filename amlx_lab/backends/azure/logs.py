"""A job's log, followed incrementally: HTTP range reads of the run's log file, never ``jobs.stream``.

Run history's details list the run's log files with SAS URLs. The primary one
is ``user_logs/std_log.txt`` (the common runtime; Azure ML's ``stream`` treats
the same file as primary). Each read asks for the bytes after the offset, so
following a long log costs one small request per new chunk, not a
re-download. Offsets are opaque to callers; they encode the byte position
(and the file, when it is not the primary one) as ``<position>[:<file>]``.

Followers poll (the CLI and magics every 0.25 s, the REST long-poll as well):
a read that found nothing new is answered from memory for ``QUIET_POLL_S``,
and the run's details are re-read at most every ``DETAILS_TTL_S`` while the
job runs, so a followed job costs Azure at most about two requests a second.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass

from ...errors import ValidationError
from ...records import LogChunk
from ...i18n import _
from .job_records import status_of
from .run_history import RunHistory, RunInfo

QUIET_POLL_S = 1.0
DETAILS_TTL_S = 2.0
FINISHED_DETAILS_TTL_S = 600.0  # SAS URLs expire; a finished job's list of files does not change
PRIMARY = "user_logs/std_log.txt"
_PRIMARY_PATTERNS = (re.compile(r"user_logs/std_log[\D]*0*(?:_ps)?\.txt"), re.compile(r"user_logs/std_log.*\.txt"),
                     re.compile(r"azureml-logs/70_driver_log.*\.txt"))
_OFFSET = re.compile(r"^(\d{1,15})(?::([\w.\-/]{1,300}))?$")


@dataclass
class _Details:
    info: RunInfo
    fetched: float


class LogReader:
    def __init__(self, history: RunHistory) -> None:
        self._history = history
        self._details: dict[str, _Details] = {}
        self._quiet: dict[tuple[str, str, int], float] = {}  # (job, file, position) -> when nothing new was there
        self._lock = threading.Lock()

    def read(self, name: str, offset: str | None, limit: int, *, system: bool = False) -> LogChunk | None:
        """The next chunk after ``offset``; ``None`` when run history knows no such run.

        ``system``: the service's own log of the job (``system_logs/``) rather than the user log.
        """
        position, wanted = parse_offset(offset)
        limit = max(4, limit)
        info = self._run_details(name)
        if info is None:
            return None
        finished = status_of(info.status).terminal
        files = info.log_files or {}
        file = wanted or (system_log(files) if system else primary_log(files))
        here = encode_offset(position, file)
        if file is None or file not in files:
            if wanted is not None and files:
                raise ValidationError(_('Job {name} has no log file {wanted!r}.').format(name=name, wanted=wanted), field="offset")
            return LogChunk(text="", offset=here, next_offset=here, size=None, complete=finished)
        key = (name, file, position)
        if not finished:
            with self._lock:
                quiet_since = self._quiet.get(key)
            if quiet_since is not None and time.monotonic() - quiet_since < QUIET_POLL_S:
                return LogChunk(text="", offset=here, next_offset=here, size=None, complete=False)
        data, total = self._history.rest.read_range(files[file], position, limit)
        usable = _whole_characters(data, more=total is None or position + len(data) < total)
        following = position + len(usable)
        with self._lock:
            if usable:
                self._quiet.pop(key, None)
            else:
                self._quiet[key] = time.monotonic()
            if len(self._quiet) > 4096:  # bounded: forget the oldest
                for old in sorted(self._quiet, key=self._quiet.__getitem__)[:2048]:
                    del self._quiet[old]
        complete = finished and (total is None or following >= total)
        return LogChunk(
            text=usable.decode("utf-8", errors="replace"),
            offset=here,
            next_offset=encode_offset(following, None if file == primary_log(files) else file),
            size=total,
            complete=complete,
        )

    def _run_details(self, name: str) -> RunInfo | None:
        now = time.monotonic()
        with self._lock:
            cached = self._details.get(name)
        if cached is not None:
            ttl = FINISHED_DETAILS_TTL_S if status_of(cached.info.status).terminal else DETAILS_TTL_S
            if now - cached.fetched < ttl:
                return cached.info
        info = self._history.run(name, details=True)
        if info is not None:
            with self._lock:
                self._details[name] = _Details(info, now)
                if len(self._details) > 512:
                    oldest = min(self._details, key=lambda k: self._details[k].fetched)
                    del self._details[oldest]
        return info


def system_log(files: dict[str, str]) -> str | None:
    """The service's log of the job: the execution wrapper's when listed, else the first system log."""
    names = sorted(f for f in files if f.startswith("system_logs/"))
    preferred = [f for f in names if f.endswith("execution-wrapper.log")]
    chosen = preferred or names
    return chosen[0] if chosen else None


def primary_log(files: dict[str, str]) -> str | None:
    if PRIMARY in files:
        return PRIMARY
    for pattern in _PRIMARY_PATTERNS:
        for name in sorted(files):
            if pattern.fullmatch(name):
                return name
    return min(files) if files else None


def parse_offset(offset: str | None) -> tuple[int, str | None]:
    if offset is None or offset == "":
        return 0, None
    match = _OFFSET.match(offset) if isinstance(offset, str) else None
    if match is None or ".." in (match.group(2) or ""):
        raise ValidationError(_('The log offset is not one this server handed out (omit it to read from the start).'),
                              field="offset")
    return int(match.group(1)), match.group(2)


def encode_offset(position: int, file: str | None) -> str:
    return f"{position}:{file}" if file and file != PRIMARY else str(position)


def _whole_characters(data: bytes, *, more: bool) -> bytes:
    """``data`` without a UTF-8 character cut at its end (when more bytes follow, the rest comes next time)."""
    if not more or not data:
        return data
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte & 0xC0 == 0x80:  # a continuation byte: keep looking for the character's first byte
            continue
        if byte < 0x80:
            return data
        need = 2 if byte & 0xE0 == 0xC0 else 3 if byte & 0xF0 == 0xE0 else 4
        return data if back >= need else data[:-back]
    return data
