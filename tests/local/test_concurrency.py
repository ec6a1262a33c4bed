"""Many submitters at once: nothing lost or duplicated, never more than N jobs running."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading

import pytest

from amlx_lab.backends.local import LocalBackend
from amlx_lab.records import JobStatus
from amlx_lab.specs import CommandJobSpec

from .conftest import wait_until, write_code, list_jobs

pytestmark = pytest.mark.slow

# Each job records when its own process really ran (the interval that must
# never overlap more than N others) and which submitter made it.
TIMED_MAIN = """
    import json, sys, time
    start = time.time()
    print("job", sys.argv[1], flush=True)
    time.sleep(0.05)
    with open("outputs/times.json", "w") as handle:
        json.dump({"tag": sys.argv[1], "start": start, "end": time.time()}, handle)
"""

SUBMITTER = """
    import sys
    from pathlib import Path
    from amlx_lab.backends.local import LocalBackend
    from amlx_lab.specs import CommandJobSpec
    root, code, prefix, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    backend = LocalBackend(Path(root), compute_slots=2)
    for i in range(count):
        job = backend.submit(CommandJobSpec(code_dir=code, experiment="crowd", command=("python", "main.py", f"{prefix}-{i}")))
        print(job.name, flush=True)
"""


def max_overlap(intervals: list[tuple[float, float]]) -> int:
    events = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals], key=lambda x: (x[0], x[1]))
    running = peak = 0
    for _, delta in events:
        running += delta
        peak = max(peak, running)
    return peak


def test_fifty_concurrent_submissions_from_threads_and_processes(make_backend, tmp_path):
    backend = make_backend(slots=2)
    code = write_code(tmp_path / "pkg", TIMED_MAIN)
    names: list[str] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def submit_from_thread(prefix: str, count: int) -> None:
        own = LocalBackend(backend.root, compute_slots=2)  # its own connection, like another front end
        try:
            for i in range(count):
                job = own.submit(CommandJobSpec(code_dir=code, experiment="crowd", command=("python", "main.py", f"{prefix}-{i}")))
                with lock:
                    names.append(job.name)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            own.close()

    procs = [
        subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(SUBMITTER), str(backend.root), str(code), f"p{n}", "10"],
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(2)
    ]
    threads = [threading.Thread(target=submit_from_thread, args=(f"t{n}", 10)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for proc in procs:
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0
        names += out.split()
    assert not errors, errors

    assert len(names) == 50 and len(set(names)) == 50
    page = list_jobs(backend, experiment="crowd", limit=500)
    assert page.total == 50 and {j.name for j in page.items} == set(names)

    wait_until(
        lambda: all(j.status.terminal for j in list_jobs(backend, limit=500).items), 240, "all 50 jobs to finish", every=0.5
    )
    jobs = list_jobs(backend, limit=500).items
    assert {j.status for j in jobs} == {JobStatus.COMPLETED}

    tags, intervals = set(), []
    for job in jobs:
        record = json.loads(backend.output_file(job.name, "times.json").read_text())
        tags.add(record["tag"])
        intervals.append((record["start"], record["end"]))
        assert f"job {record['tag']}" in backend.logs(job.name).text
    expected = {f"{p}-{i}" for p in ("t0", "t1", "t2", "p0", "p1") for i in range(10)}
    assert tags == expected  # every submission ran exactly once
    print("peak concurrency", max_overlap(intervals))
    assert max_overlap(intervals) <= 2
    slots = {row[0] for row in backend.store.query("SELECT slot FROM jobs")}
    assert slots <= {0, 1}


def test_with_one_slot_jobs_start_in_submission_order(make_backend, tmp_path):
    backend = make_backend(slots=1)
    code = write_code(tmp_path / "pkg", "print('hi')\n")
    names = [backend.submit(CommandJobSpec(code_dir=code, experiment="fifo")).name for _ in range(5)]
    for name in names:
        assert backend.wait(name, timeout=120).status is JobStatus.COMPLETED
    starts = [backend.get_job(name).started_at for name in names]
    assert starts == sorted(starts)


def overtaken_by(starts_in_submission_order: list[float]) -> list[int]:
    """For each job, how many jobs submitted after it started before it."""
    starts = starts_in_submission_order
    return [sum(1 for later in starts[i + 1:] if later < starts[i]) for i in range(len(starts))]


def test_with_two_slots_no_job_is_overtaken_by_two_later_ones(make_backend, tmp_path):
    """The queue is FIFO: with N slots a job may see at most N - 1 later jobs start before it.

    When the N oldest waiters raced for each free slot, a waiter that lost a few
    races in a row was overtaken by several later jobs (about 1 job in 10).
    """
    backend = make_backend(slots=2)
    code = write_code(tmp_path / "pkg", "import time\ntime.sleep(0.3)\n")
    names = [backend.submit(CommandJobSpec(code_dir=code, experiment="fifo")).name for _ in range(40)]
    wait_until(
        lambda: all(backend.get_job(n).status.terminal for n in names), 300, "all 40 jobs to finish", every=0.5
    )
    jobs = [backend.get_job(name) for name in names]
    assert {j.status for j in jobs} == {JobStatus.COMPLETED}
    behind = overtaken_by([j.started_at for j in jobs])
    late = {names[i]: n for i, n in enumerate(behind) if n >= 2}
    assert not late, f"overtaken by 2 or more later jobs: {late}"
