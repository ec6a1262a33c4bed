"""Reading jobs: one job, and paged listings filtered by experiment, status, text and parent.

A job's record joins three sources: the ARM job (``jobs.get``/``jobs.list``:
name, experiment, status, inputs, tags, studio link), its run-history run
(times, error) and its MLflow run (latest metrics, parameters). The last two
cost a request each per job, so they are fetched in parallel for the jobs of a
page and remembered: for good once the job is finished (nothing changes after
that), for ``ACTIVE_TTL_S`` while it runs; queued jobs have no metrics yet.

Listing. Azure ML lists a workspace's jobs newest first, a server page at a
time, and filters on the server only by type, tag and archive state. So the
experiment, status and text filters are applied here while reading those
pages, at most ``SCAN_PAGES`` server pages per call; a page of ours can come
back short with a ``next_cursor`` when the budget ran out first. The cursor
(opaque to callers) holds Azure's continuation token of the server page to
resume in and the last job handed out, so jobs submitted meanwhile are
neither repeated nor skipped. Oldest-first needs the whole listing: it is
served by reading up to ``ASCENDING_LIMIT`` jobs and reversing them, and
refused beyond that. Azure cannot sort by metrics or other columns, and the
target says so in its traits instead of sorting a partial window.

The runs filter (``JobQuery.filter``). Azure ML's job listing filters on none
of its keys (metrics and parameters live in MLflow, a request per job), so a
filtered listing reads the newest ``FILTER_WINDOW`` jobs, tests the conditions
the ARM job answers (status, names, experiment, tags, description) on each,
fetches run data only for the jobs left when a condition needs metrics or
parameters, and pages through what matches. The page says so: its
``filter_window`` is how many jobs were searched and ``note`` a sentence.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from ...errors import NotFoundError, ValidationError
from ...names import check_job_name
from ...records import ExperimentSummary, Job, JobPage, JobStatus
from ...runfilter import RunFilter, matches
from ...specs import JobQuery
from ...i18n import _
from .connection import Connection
from .job_records import fixed_parameters, is_automl_trial, job_record, raw_status, status_of
from .run_history import RunHistory, RunInfo
from .tracking import RunData, Tracking

ACTIVE_TTL_S = 5.0
SCAN_PAGES = 40
ASCENDING_LIMIT = 5000
FILTER_WINDOW = 500
ENRICH_WORKERS = 8
CACHE_SIZE = 5000
_NO_METRICS_YET = frozenset({JobStatus.NOT_STARTED, JobStatus.QUEUED, JobStatus.PREPARING})


@dataclass
class _Extra:
    run: RunInfo | None
    data: RunData | None
    fetched: float
    final: bool


@dataclass(frozen=True)
class _Cursor:
    token: str | None  # Azure's continuation token of the server page to resume in
    after: str | None  # the last job handed out
    after_created: float | None
    ascending: bool = False

    def encode(self) -> str:
        raw = json.dumps({"t": self.token, "a": self.after, "c": self.after_created, "o": int(self.ascending)})
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str | None) -> _Cursor:
        if not text:
            return cls(None, None, None)
        try:
            data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            return cls(data["t"], data["a"], data["c"], bool(data.get("o")))
        except (ValueError, KeyError, TypeError):
            raise ValidationError(_('The cursor is not one this server handed out (omit it to start).'),
                                  field="cursor") from None


class JobReader:
    def __init__(self, connection: Connection, history: RunHistory, tracking: Tracking) -> None:
        self._connection = connection
        self._history = history
        self._tracking = tracking
        self._extras: OrderedDict[str, _Extra] = OrderedDict()
        self._lock = threading.Lock()

    # -- one job ---------------------------------------------------------------------------

    def entity(self, name: str) -> Any:
        """The ARM job (``jobs.get``); a 404 names the job."""
        check_job_name(name)

        def missing() -> NotFoundError:
            return NotFoundError(_(
                'There is no job named {name!r} in workspace {value}.'
            ).format(name=name, value=self._connection.workspace_name),
                                 details={"job": name})

        with self._connection.translated(not_found=missing):
            return self._connection.ml.jobs.get(name)

    def get(self, name: str) -> Job:
        entity = self.entity(name)
        return self.record(entity, fresh=True)

    def record(self, entity: Any, *, fresh: bool = False) -> Job:
        extra = self._extra(entity, fresh=fresh)
        return job_record(entity, extra.run, extra.data)

    def records(self, entities: list[Any]) -> list[Job]:
        """Records of several jobs, their run history and MLflow runs read in parallel."""
        stale = [e for e in entities if self._cached(e) is None]
        if len(stale) > 1:
            with ThreadPoolExecutor(max_workers=min(ENRICH_WORKERS, len(stale))) as pool:
                list(pool.map(lambda e: self._extra(e), stale))
        return [self.record(e) for e in entities]

    def forget(self, name: str) -> None:
        with self._lock:
            self._extras.pop(name, None)

    def _cached(self, entity: Any) -> _Extra | None:
        with self._lock:
            extra = self._extras.get(str(entity.name))
        if extra is None:
            return None
        if extra.final:
            return extra
        if time.monotonic() - extra.fetched < ACTIVE_TTL_S and raw_status(entity.status) == (extra.run.status if extra.run else None):
            return extra
        return None

    def _extra(self, entity: Any, *, fresh: bool = False) -> _Extra:
        cached = None if fresh else self._cached(entity)
        if cached is not None:
            return cached
        name = str(entity.name)
        with self._connection.translated():
            run = self._history.run(name)
            status = status_of(run.status if run is not None and run.status else raw_status(entity.status))
            data = None if status in _NO_METRICS_YET else self._tracking.run_data(name)
        extra = _Extra(run, data, time.monotonic(), final=status.terminal and run is not None)
        with self._lock:
            self._extras[name] = extra
            self._extras.move_to_end(name)
            while len(self._extras) > CACHE_SIZE:
                self._extras.popitem(last=False)
        return extra

    # -- listings ------------------------------------------------------------------------------

    def page(self, query: JobQuery) -> JobPage:
        if query.parent is not None:
            return self._children(query)
        if query.run_filter is not None:
            return self._filtered(query, query.run_filter)
        cursor = _Cursor.decode(query.cursor)
        if not query.descending or cursor.ascending:
            return self._oldest_first(query, cursor)
        picked: list[Any] = []
        resume: _Cursor | None = None
        for token, entity, _run in self._scan(cursor.token, SCAN_PAGES, archived=query.include_archived):
            if entity is None:  # the page budget ran out: resume at this server page
                resume = _Cursor(token, picked[-1].name if picked else cursor.after,
                                 _created(picked[-1]) if picked else cursor.after_created)
                break
            if _already_seen(entity, cursor):
                continue
            if not _matches(entity, query):
                continue
            picked.append(entity)
            if len(picked) == query.limit:
                resume = _Cursor(token, str(entity.name), _created(entity))
                break
        return JobPage(items=_top_level(self.records(picked), query), next_cursor=resume.encode() if resume else None)

    def _oldest_first(self, query: JobQuery, cursor: _Cursor) -> JobPage:
        everything: list[Any] = []
        for _page, entity, _run in self._scan(None, None, archived=query.include_archived):
            if entity is None:
                break
            everything.append(entity)
            if len(everything) > ASCENDING_LIMIT:
                raise ValidationError(
                    _(
                        'Azure ML lists jobs newest first; listing oldest first reads the whole workspace, which holds '
                        'more than {ascending_limit} jobs. List newest first instead.'
                    ).format(ascending_limit=ASCENDING_LIMIT),
                    field="descending",
                )
        matching = [e for e in reversed(everything) if _matches(e, query)]
        start = 0
        if cursor.after is not None:
            names = [str(e.name) for e in matching]
            start = names.index(cursor.after) + 1 if cursor.after in names else 0
        page = matching[start : start + query.limit]
        more = start + query.limit < len(matching)
        resume = _Cursor(None, str(page[-1].name), _created(page[-1]), ascending=True) if page and more else None
        return JobPage(items=_top_level(self.records(page), query), next_cursor=resume.encode() if resume else None)

    def _children(self, query: JobQuery) -> JobPage:
        parent = self.entity(str(query.parent))  # 404 for an unknown parent
        fixed = fixed_parameters(parent)
        with self._connection.translated():
            names = self._history.children(str(query.parent))

        def entity_or_none(name: str) -> Any:
            try:
                return self.entity(name)
            except NotFoundError:  # deleted since run history listed it
                return None

        # run history names the children; each full job (inputs, command) is one jobs.get, made in parallel
        with ThreadPoolExecutor(max_workers=max(1, min(ENRICH_WORKERS, len(names)))) as pool:
            entities = [e for e in pool.map(entity_or_none, names) if e is not None]
        matching = [e for e in entities if _matches(e, query)]
        if not query.include_archived:  # run history's ``hidden`` is where an archived child shows
            matching = [e for e in matching if not ((run := self._extra(e).run) and run.hidden)]
        if query.run_filter is not None:
            matching = self._matching(matching, query.run_filter)
        cursor = _Cursor.decode(query.cursor)
        start = 0
        if cursor.after is not None:
            listed = [str(e.name) for e in matching]
            start = listed.index(cursor.after) + 1 if cursor.after in listed else 0
        page = matching[start : start + query.limit]
        more = start + query.limit < len(matching)
        resume = _Cursor(None, str(page[-1].name), _created(page[-1])) if page and more else None
        trials = tuple(
            dataclasses.replace(job, parent=job.parent or query.parent,
                                parameters={**job.parameters, **{k: v for k, v in fixed.items() if k in job.parameters}})
            for job in self.records(page)
        )
        return JobPage(items=trials, next_cursor=resume.encode() if resume else None)

    def _filtered(self, query: JobQuery, run_filter: RunFilter) -> JobPage:
        """A page of the newest ``FILTER_WINDOW`` jobs that match (see the module doc)."""
        window: list[Any] = []
        older = False
        for _page, entity, _run in self._scan(None, None, archived=query.include_archived):
            if entity is None:
                break
            if len(window) == FILTER_WINDOW:
                older = True
                break
            window.append(entity)
        matching = self._matching([e for e in window if _matches(e, query)], run_filter)
        if not query.descending:
            matching.reverse()
        cursor = _Cursor.decode(query.cursor)
        start = 0
        if cursor.after is not None:
            listed = [str(e.name) for e in matching]
            start = listed.index(cursor.after) + 1 if cursor.after in listed else len(listed)
        page = matching[start : start + query.limit]
        more = start + query.limit < len(matching)
        resume = _Cursor(None, str(page[-1].name), _created(page[-1])) if page and more else None
        scope = (f"the newest {len(window)} jobs of the workspace; older jobs were not searched" if older
                 else f"all {len(window)} jobs of the workspace")
        note = f"Azure ML cannot filter jobs on its side, so the filter was applied here to {scope}."
        return JobPage(items=tuple(self.records(page)), next_cursor=resume.encode() if resume else None,
                       filter_window=len(window), note=note)

    def _matching(self, entities: list[Any], run_filter: RunFilter) -> list[Any]:
        """The jobs that satisfy the filter: ARM fields first, run data only for the jobs still in."""
        cheap = RunFilter(run_filter.source, tuple(
            c for c in run_filter.conditions if getattr(c, "kind", None) not in ("metric", "param")))
        left = [e for e in entities if matches(cheap, job_record(e))]
        if not run_filter.needs_run_data:
            return left
        records = self.records(left)
        return [e for e, record in zip(left, records) if matches(run_filter, record)]

    def newest(self, count: int) -> list[Any]:
        """The ``count`` newest jobs as Azure lists them (the change feed's window)."""
        found: list[Any] = []
        for _page, entity, _run in self._scan(None, None):
            if entity is None:
                break
            found.append(entity)
            if len(found) >= count:
                break
        return found

    def _scan(
        self, token: str | None, max_pages: int | None, *, archived: bool = False
    ) -> Iterator[tuple[str | None, Any, bool]]:
        """(token of the server page, job, is last page) newest first; ``(token, None, False)`` when out of budget.

        Archived jobs are listed only when ``archived`` (Azure's ``ListViewType.ALL``)."""
        from azure.ai.ml.constants import ListViewType

        ml = self._connection.ml
        view = ListViewType.ALL if archived else ListViewType.ACTIVE_ONLY
        with self._connection.translated():
            pages = ml.jobs.list(list_view_type=view).by_page(continuation_token=token)
            current = token
            read = 0
            while True:
                if max_pages is not None and read >= max_pages:
                    yield current, None, False
                    return
                try:
                    page = next(pages)
                except StopIteration:
                    return
                items = [e for e in page if e is not None]
                following = getattr(pages, "continuation_token", None)
                read += 1
                for entity in items:
                    yield current, entity, following is None
                if following is None:
                    return
                current = following

    def experiments(self) -> tuple[ExperimentSummary, ...]:
        """Experiments with jobs, most recently used first (from the newest ``ASCENDING_LIMIT`` jobs)."""
        counts: dict[str, int] = {}
        last: dict[str, float] = {}
        for _page, entity, _run in self._scan(None, None):
            if entity is None:
                break
            name = str(getattr(entity, "experiment_name", None) or "Default")
            counts[name] = counts.get(name, 0) + 1
            last[name] = max(last.get(name, 0.0), _created(entity))
            if sum(counts.values()) >= ASCENDING_LIMIT:
                break
        return tuple(
            ExperimentSummary(name=n, job_count=counts[n], last_submitted_at=last[n])
            for n in sorted(counts, key=lambda n: last[n], reverse=True)
        )


def _created(entity: Any) -> float:
    from .run_history import epoch

    context = getattr(entity, "creation_context", None)
    return epoch(getattr(context, "created_at", None)) or 0.0


def _top_level(jobs: list[Job], query: JobQuery) -> tuple[Job, ...]:
    """The records a ``top_level`` listing keeps: the SDK's job entity drops ``parentJobName``, so a trial is
    known by its run-history run (the record's ``parent``) and left out here, after ``_matches``."""
    return tuple(j for j in jobs if not (query.top_level and j.parent))


def _already_seen(entity: Any, cursor: _Cursor) -> bool:
    """Whether a resumed scan already handed this job out (or it is newer than the last one handed out)."""
    if cursor.after is None:
        return False
    if str(entity.name) == cursor.after:
        return True
    return cursor.after_created is not None and _created(entity) > cursor.after_created


def _matches(entity: Any, query: JobQuery) -> bool:
    if query.experiment is not None and str(getattr(entity, "experiment_name", None) or "Default") != query.experiment:
        return False
    if query.status and status_of(entity.status) not in query.status:
        return False
    if query.top_level and (getattr(entity, "parent_job_name", None) or is_automl_trial(entity)):
        return False
    if query.text:
        needle = query.text.lower()
        haystack = " ".join(
            str(v) for v in (entity.name, getattr(entity, "display_name", ""), getattr(entity, "experiment_name", ""))
        ).lower()
        if needle not in haystack:
            return False
    return True
