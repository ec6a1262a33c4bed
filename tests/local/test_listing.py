"""Listing jobs from the index: filters, metric sort, keyset cursors, revisions; no processes needed."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from amlx_lab.backends.local import LocalBackend, job_index
from amlx_lab.backends.local.store import SCHEMA_VERSION, Store
from amlx_lab.backends.local.tracking import LatestMetric
from amlx_lab.errors import ConflictError, NotFoundError, ValidationError
from amlx_lab.records import HealthState, JobStatus

from .conftest import list_jobs

_counter = iter(range(10**9))


def add_job(backend: LocalBackend, experiment: str = "e", status: str = "Completed", metrics=None, **extra) -> str:
    """A job row as a finished supervisor would leave it (no process involved)."""
    name = f"calm_lamp_{next(_counter):010d}"
    with backend.store.write() as tx:
        seq = job_index.insert(
            tx,
            {
                "name": name,
                "display_name": extra.pop("display_name", name),
                "experiment": experiment,
                "status": status,
                "compute": "local",
                "compute_slots": 2,
                "interpreter": sys.executable,
                "command": '["python", "main.py"]',
                "cancel_grace": 1.0,
                "created_at": time.time(),
                **extra,
            },
        )
    if metrics:
        points = [LatestMetric(k, v, 0, 0) for k, v in metrics.items()]
        job_index.replace_run_data(backend.store, name, seq, points, {"p": "1"}, {})
    return name


def walk(backend: LocalBackend, **query) -> list[str]:
    names, cursor = [], None
    while True:
        page = list_jobs(backend, cursor=cursor, **query)
        names += [j.name for j in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return names


def test_creating_a_workspace_is_quick_and_makes_a_wal_index(tmp_path):
    started = time.perf_counter()
    backend = LocalBackend(tmp_path / "ws", compute_slots=2)
    assert backend.health().state is HealthState.OK
    assert list_jobs(backend).total == 0
    elapsed = time.perf_counter() - started
    backend.close()
    assert elapsed < 2.0, elapsed  # no MLflow, no migrations: milliseconds in practice
    conn = sqlite3.connect(tmp_path / "ws" / "amlx.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert not (tmp_path / "ws" / "mlflow" / "mlflow.db").exists()  # made by the first job that needs it


def test_a_newer_schema_is_refused_with_a_reason(tmp_path):
    Store(tmp_path / "amlx.db").close()
    conn = sqlite3.connect(tmp_path / "amlx.db")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(ConflictError, match="newer than this amlx-lab"):
        Store(tmp_path / "amlx.db")
    backend = LocalBackend(tmp_path, compute_slots=1)
    assert backend.health().state is HealthState.ERROR


def test_the_read_side_never_imports_mlflow(tmp_path):
    script = """
        import sys, time
        from pathlib import Path
        from amlx_lab.backends.local import LocalBackend
        from amlx_lab.specs import CommandJobSpec, JobQuery
        root = Path(sys.argv[1])
        (root / "pkg").mkdir(parents=True)
        (root / "pkg" / "main.py").write_text("print('hi')")
        (root / "data.csv").write_text("a,b\\n1,2\\n")
        backend = LocalBackend(root / "ws", compute_slots=1)
        backend.register_data("table", root / "data.csv")
        started = time.perf_counter()
        job = backend.submit(CommandJobSpec(code_dir=root / "pkg", experiment="e", inputs={"data": "azureml:table@latest"}))
        took = time.perf_counter() - started
        backend.list_jobs(JobQuery(order_by="metrics.rmse")); backend.get_job(job.name); backend.logs(job.name)
        backend.changes(None); backend.list_outputs(job.name); backend.list_data(); backend.cancel(job.name)
        print("mlflow" in sys.modules, took)
    """
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    imported, took = out.stdout.split()
    assert imported == "False"
    assert float(took) < 1.0  # "returns at once": tens of ms here
    backend = LocalBackend(tmp_path / "ws", compute_slots=1)
    try:  # let the canceled job's supervisor finish before the folder goes away
        job = list_jobs(backend).items[0]
        assert backend.wait(job.name, timeout=60).status is JobStatus.CANCELED
    finally:
        backend.close()


def test_filters_and_totals(backend):
    add_job(backend, "titanic", "Completed", display_name="first try")
    add_job(backend, "titanic", "Failed")
    add_job(backend, "diabetes", "Running")
    assert list_jobs(backend, experiment="titanic").total == 2
    assert [j.status for j in list_jobs(backend, status="Failed").items] == [JobStatus.FAILED]
    assert list_jobs(backend, status=["Failed", "Running"]).total == 2
    assert list_jobs(backend, text="first").total == 1
    assert list_jobs(backend, text="%").total == 0  # LIKE wildcards are literal
    experiments = backend.list_experiments()
    assert [(e.name, e.job_count) for e in experiments] == [("diabetes", 1), ("titanic", 2)]
    newest = {j.experiment: j.created_at for j in reversed(list_jobs(backend).items)}
    assert [e.last_submitted_at for e in experiments] == [newest["diabetes"], newest["titanic"]]
    with pytest.raises(ValidationError) as raised:
        list_jobs(backend, status="Done")
    assert raised.value.field == "status"
    with pytest.raises(ValidationError) as raised:
        list_jobs(backend, order_by="colour")
    assert raised.value.field == "order_by"
    with pytest.raises(ValidationError) as raised:
        list_jobs(backend, limit=0)
    assert raised.value.field == "limit"


def test_sort_by_metric_puts_jobs_without_it_last_and_pages_cover_everything(backend):
    values = [5.0, 1.0, 3.0, None, 2.0, 4.0, None, 3.0]
    names = {}
    for value in values:
        name = add_job(backend, metrics={"rmse": value} if value is not None else {"other": 1.0})
        names[name] = value
    add_job(backend, experiment="elsewhere", metrics={"rmse": 0.0})

    ascending = walk(backend, experiment="e", order_by="metrics.rmse", descending=False, limit=3)
    assert len(ascending) == len(values) and len(set(ascending)) == len(values)
    got = [names[n] for n in ascending]
    assert got[:6] == [1.0, 2.0, 3.0, 3.0, 4.0, 5.0] and got[6:] == [None, None]
    descending = walk(backend, experiment="e", order_by="metrics.rmse", descending=True, limit=2)
    assert [names[n] for n in descending][:6] == [5.0, 4.0, 3.0, 3.0, 2.0, 1.0]
    first = list_jobs(backend, experiment="e", order_by="metrics.rmse", descending=False, limit=1).items[0]
    assert first.metrics == {"rmse": 1.0} and first.params == {"p": "1"}


def test_cursors_are_stable_while_jobs_are_added(backend):
    created = [add_job(backend) for _ in range(7)]
    page = list_jobs(backend, limit=3)
    assert [j.name for j in page.items] == created[::-1][:3]
    add_job(backend)  # newer than everything listed: must not shift the next pages
    names, cursor = [], page.next_cursor
    while cursor:
        next_page = list_jobs(backend, limit=3, cursor=cursor)
        names += [j.name for j in next_page.items]
        cursor = next_page.next_cursor
    assert names == created[::-1][3:]
    with pytest.raises(ValidationError) as raised:
        list_jobs(backend, limit=3, cursor=page.next_cursor, experiment="other")
    assert raised.value.field == "cursor"
    with pytest.raises(ValidationError):
        list_jobs(backend, cursor="not-a-cursor")


def test_sort_by_a_nullable_column(backend):
    late = add_job(backend, started_at=200.0)
    early = add_job(backend, started_at=100.0)
    queued = add_job(backend, status="Queued")
    assert walk(backend, order_by="started_at", descending=False, limit=1) == [early, late, queued]
    assert walk(backend, order_by="started_at", descending=True, limit=2) == [late, early, queued]


def test_changes_follow_an_opaque_cursor(backend):
    start = backend.changes(None)  # no cursor: the present, and nothing yet
    assert start.jobs == () and isinstance(start.cursor, str)
    first = add_job(backend, status="Running")
    second = add_job(backend, status="Running")
    changed = backend.changes(start.cursor)
    assert [j.name for j in changed.jobs] == [first, second] and not changed.more
    job_index.update(backend.store, second, {"status": "Completed"})
    newer = backend.changes(changed.cursor)
    assert [(j.name, j.status) for j in newer.jobs] == [(second, JobStatus.COMPLETED)] and newer.cursor != changed.cursor
    assert backend.changes(newer.cursor).jobs == ()
    for bad in ("", "r-1", "42", "r" + "9" * 30):
        with pytest.raises(ValidationError):
            backend.changes(bad)
    assert job_index.update(backend.store, second, {"status": "Running"}) is False  # final stays final


def test_first_page_of_ten_thousand_sorted_by_metric_is_fast(backend):
    with backend.store.write() as tx:
        for i in range(10_000):
            seq = job_index.insert(
                tx,
                {
                    "name": f"bulk_job_{i:010d}", "display_name": "x", "experiment": "sweep" if i % 10 else "other",
                    "status": "Completed", "compute": "local", "compute_slots": 2, "interpreter": "python",
                    "command": "[]", "cancel_grace": 1.0, "created_at": float(i),
                },
            )
            tx.execute(
                "INSERT INTO job_metrics (job_seq, key, value) VALUES (?, 'rmse', ?), (?, 'mae', ?)",
                (seq, (i * 7919) % 10_000 / 100, seq, i / 10),
            )
    backend.store.analyze()
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        page = list_jobs(backend, experiment="sweep", order_by="metrics.rmse", descending=False, limit=50)
        timings.append(time.perf_counter() - started)
    values = [j.metrics["rmse"] for j in page.items]
    assert len(values) == 50 and values == sorted(values) and page.total == 9_000
    print(f"first page of 50 of 10,000 by metrics.rmse: best {min(timings) * 1000:.1f} ms")
    assert min(timings) < 0.1  # a few ms in practice; generous for a loaded machine


def test_seeded_runs_are_jobs_and_mlflow_runs(make_backend):
    """Bulk seeding (benchmarks, the 10,000-run browser test) writes both stores, also under pytest."""
    backend = make_backend()
    runs = [{"metrics": {"rmse": 60.0 - a}, "params": {"alpha": a}} for a in range(3)]
    assert backend.seed_completed_jobs("seeded", runs) == 3
    page = list_jobs(backend, experiment="seeded", order_by="metrics.rmse", descending=False)
    assert [j.metrics["rmse"] for j in page.items] == [58.0, 59.0, 60.0]
    assert {j.status for j in page.items} == {JobStatus.COMPLETED}
    best = page.items[0]
    assert best.params == {"alpha": "2"}
    assert [p.value for p in backend.metric_histories(best.name, ["rmse"])["rmse"]] == [58.0]


def _run_with(backend: LocalBackend, metrics: dict, params: dict, **extra) -> str:
    name = add_job(backend, **extra)
    seq = backend.store.query("SELECT seq FROM jobs WHERE name = ?", (name,))[0][0]
    points = [LatestMetric(k, v, 0, 0) for k, v in metrics.items()]
    job_index.replace_run_data(backend.store, name, seq, points, params, {})
    return name


_FILTERS = [
    "metrics.rmse < 58",
    "metrics.rmse >= 55 and params.alpha >= 0.3",
    "params.alpha = 0.5",
    "params.alpha = '0.50'",
    "params.solver in ('auto', 'svd')",
    "params.solver not in ('auto')",
    "params.solver > 1",
    "tags.stage = baseline",
    "tags.stage ilike 'BASE%'",
    "tags.stage like 'BASE%'",
    "tags.stage != baseline",
    "status in (Failed, Canceled)",
    "status = Completed and experiment = diabetes",
    "description like '%leak%'",
    "display_name like 'ridge_%'",
    "Ridge",
    "metrics.nan = 1",
    "metrics.`val loss` < 1",
]


@pytest.mark.parametrize("text", _FILTERS)
def test_the_filter_in_sql_selects_what_the_reference_matches(tmp_path, text):
    """The index's SQL and ``runfilter.matches`` agree on every run (both are what a person reads in the doc)."""
    from amlx_lab.runfilter import matches, parse

    backend = LocalBackend(tmp_path / "ws", compute_slots=2)
    try:
        _run_with(backend, {"rmse": 55.0, "val loss": 0.5}, {"alpha": "0.50", "solver": "auto"},
                  experiment="diabetes", display_name="ridge a", tags='{"stage": "baseline"}',
                  description="leaks the time column")
        _run_with(backend, {"rmse": 60.0, "nan": None}, {"alpha": "0.2", "solver": "svd"},
                  experiment="diabetes", display_name="ridge_b", tags='{"stage": "Base-2"}')
        _run_with(backend, {"rmse": 57.0}, {"alpha": "1", "solver": "x1"}, experiment="other", status="Failed")
        add_job(backend, experiment="diabetes", status="Canceled", display_name="lasso")
        everything = list_jobs(backend, limit=100).items
        expected = sorted(j.name for j in everything if matches(parse(text), j))
        got = sorted(walk(backend, filter=text, limit=1))  # pages of one: the cursor carries the filter
        assert got == expected
        assert list_jobs(backend, filter=text).total == len(expected)
    finally:
        backend.close()


def test_the_filter_split_across_cases_selects_runs_and_refuses_another_listings_cursor(tmp_path):
    backend = LocalBackend(tmp_path / "ws", compute_slots=2)
    try:
        good = [_run_with(backend, {"rmse": 50.0 + i}, {"alpha": str(i / 10)}, experiment="diabetes") for i in range(6)]
        assert walk(backend, filter="metrics.rmse < 53 and params.alpha >= 0.1", order_by="metrics.rmse",
                    descending=False, limit=1) == good[1:3]
        page = list_jobs(backend, filter="metrics.rmse < 55", limit=1)
        with pytest.raises(ValidationError, match="other filters"):
            list_jobs(backend, filter="metrics.rmse < 56", cursor=page.next_cursor, limit=1)
    finally:
        backend.close()


def test_archiving_a_sweep_hides_its_trials_and_deleting_takes_them_along(tmp_path):
    backend = LocalBackend(tmp_path / "ws", compute_slots=2)
    try:
        sweep = add_job(backend, experiment="s", type="sweep")
        trials = [add_job(backend, experiment="s", parent=sweep) for _ in range(2)]
        other = add_job(backend, experiment="s")
        backend.archive_job(sweep)
        assert walk(backend, experiment="s") == [other]
        assert walk(backend, parent=sweep) == []
        assert sorted(walk(backend, parent=sweep, include_archived=True)) == sorted(trials)
        assert all(backend.get_job(t).archived for t in trials)
        backend.restore_job(sweep)
        assert sorted(walk(backend, parent=sweep)) == sorted(trials)

        backend.delete_job(sweep)
        assert walk(backend, experiment="s", include_archived=True) == [other]
        with pytest.raises(NotFoundError):
            backend.get_job(trials[0])
    finally:
        backend.close()
