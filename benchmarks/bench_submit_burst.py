"""Benchmark: does a burst of submissions stall the API, and do the jobs start in submission order?

A real ``jupyter server`` (this interpreter, amlx_lab enabled, 2 compute
slots) on 127.0.0.1. First the idle baseline: ``GET /amlx/api/workspace``
one request after another. Then ``--jobs`` submissions of a one-line
notebook cell are sent at once while the same reads go on; each read's
latency is recorded until the last submission has been answered. The jobs
run on an interpreter without MLflow (``sys.base_prefix``), so they are short
and the queue moves fast.

Printed: p50/p99 of the reads idle and during the burst (and the ratio), how
long the burst took to be accepted, and the ordering: for every job, how many
jobs submitted after it started before it ("overtaken by"). With N slots,
being overtaken by fewer than N later jobs is expected (N jobs start at
once); the count of jobs overtaken by N or more is the number to watch.

    python benchmarks/bench_submit_burst.py [--jobs 200] [--slots 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

BARE_PYTHON = str(Path(sys.base_prefix) / "bin" / "python3")
NOTEBOOK = {
    "cells": [{"cell_type": "code", "execution_count": None, "id": "c1", "metadata": {}, "outputs": [],
               "source": "print('burst job')"}],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(base: Path, slots: int) -> tuple[subprocess.Popen[bytes], str, str]:
    """A jupyter server whose every home-folder path points into ``base``; returns (process, url, token)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AMLX_", "JUPYTER", "MLFLOW_", "PYTHONPATH"))}
    for name in ("HOME", "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
        folder = base / name.lower()
        folder.mkdir()
        env[name] = str(folder)
    env.update(AMLX_WORKSPACE=str(base / "workspace"), AMLX_COMPUTE_SLOTS=str(slots), MLFLOW_DISABLE_TELEMETRY="true")
    root = base / "notebooks"
    root.mkdir()
    (root / "burst.ipynb").write_text(json.dumps(NOTEBOOK))
    port, token = free_port(), secrets.token_hex(16)
    log = open(base / "server.log", "wb")  # noqa: SIM115 - lives as long as the server
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={root}"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    return process, f"http://127.0.0.1:{port}/", token


def stop_server(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


class Api:
    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token
        self.client = AsyncHTTPClient(force_instance=True, max_clients=1000)

    async def call(self, method: str, path: str, body: object = None, timeout: float = 600) -> object:
        request = HTTPRequest(
            f"{self.url}amlx/api/{path}", method=method, headers={"Authorization": f"token {self.token}"},
            body=None if body is None else json.dumps(body), request_timeout=timeout, connect_timeout=timeout,
        )
        response = await self.client.fetch(request)
        return json.loads(response.body)

    async def ready(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            try:
                await self.call("GET", "workspace", timeout=5)
                return
            except (HTTPClientError, OSError):
                await asyncio.sleep(0.2)
        raise SystemExit("the server did not answer in time")

    async def timed_read(self) -> float:
        started = time.perf_counter()
        await self.call("GET", "workspace")
        return time.perf_counter() - started

    async def submit(self) -> object:
        return await self.call("POST", "jobs", {"notebook": "burst.ipynb", "cell": 0, "experiment": "burst", "python": BARE_PYTHON})

    async def jobs(self) -> list[dict]:
        page = await self.call("GET", "jobs?experiment=burst&limit=1000")
        return page["items"]  # type: ignore[index]


def cpu_seconds(pid: int, *, children: bool = False) -> float:
    """User plus system CPU time of a process so far, or of its ended children (supervisors, and their jobs)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    first = 13 if children else 11
    return (int(fields[first]) + int(fields[first + 1])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def overtakes(jobs: list[dict]) -> list[int]:
    """For each job in submission order, how many later-submitted jobs started before it."""
    ordered = sorted(jobs, key=lambda j: j["created_at"])
    starts = [j["started_at"] for j in ordered]
    return [sum(1 for later in starts[i + 1:] if later < starts[i]) for i in range(len(starts))]


async def run(args: argparse.Namespace, api: Api, server_pid: int) -> None:
    deadline = time.monotonic() + args.timeout
    await api.ready(deadline)
    await api.submit()  # warm-up: the MLflow store, the experiment, the kernel's package list
    while any(j["status"] not in ("Completed", "Failed", "Canceled") for j in await api.jobs()):
        await asyncio.sleep(0.2)

    idle = [await api.timed_read() for _ in range(args.reads)]

    burst_reads: list[float] = []
    cpu_before = cpu_seconds(server_pid)
    children_before = cpu_seconds(server_pid, children=True)
    started = time.perf_counter()
    submits = [asyncio.ensure_future(api.submit()) for _ in range(args.jobs)]
    while not all(s.done() for s in submits):
        burst_reads.append(await api.timed_read())
    accepted = time.perf_counter() - started
    server_cpu = cpu_seconds(server_pid) - cpu_before
    failed = [s.exception() for s in submits if s.exception() is not None]
    if failed:
        raise SystemExit(f"{len(failed)} submissions failed, e.g. {failed[0]!r}")

    while True:
        jobs = await api.jobs()
        if all(j["status"] in ("Completed", "Failed", "Canceled") for j in jobs) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    ran = time.perf_counter() - started
    await asyncio.sleep(1.0)  # the last supervisors exit and are reaped after recording their job's end
    children_cpu = cpu_seconds(server_pid, children=True) - children_before
    jobs = [j for j in jobs if j["started_at"] is not None]
    behind = overtakes(jobs)
    slots = args.slots
    late = [n for n in behind if n >= slots]

    p50_idle, p99_idle = percentile(idle, 0.5) * 1000, percentile(idle, 0.99) * 1000
    p50_burst, p99_burst = percentile(burst_reads, 0.5) * 1000, percentile(burst_reads, 0.99) * 1000
    print(f"machine: {os.cpu_count()} cores; {args.jobs} concurrent submits; {slots} compute slots")
    print(f"GET /workspace idle       : p50 {p50_idle:7.1f} ms  p99 {p99_idle:7.1f} ms  ({len(idle)} reads)")
    print(f"GET /workspace in burst   : p50 {p50_burst:7.1f} ms  p99 {p99_burst:7.1f} ms  ({len(burst_reads)} reads,"
          f" max {max(burst_reads) * 1000:.0f} ms)")
    print(f"ratio burst / idle        : p50 {p50_burst / p50_idle:.1f}x  p99 {p99_burst / p99_idle:.1f}x  (target: p99 < 100 ms)")
    print(f"all {args.jobs} submits answered in {accepted:.1f} s (server CPU {server_cpu:.1f} s meanwhile);"
          f" all jobs ended {ran:.1f} s after the burst began")
    print(f"CPU of the supervisors and their jobs: {children_cpu:.1f} s ({children_cpu / args.jobs * 1000:.0f} ms a job)")
    print(f"machine load average at the end: {os.getloadavg()[0]:.1f} (other processes share these cores)")
    statuses = {s: sum(1 for j in jobs if j["status"] == s) for s in {j["status"] for j in jobs}}
    print(f"jobs that started: {len(jobs)} ({statuses})")
    print(f"overtaken by >= {slots} later jobs: {len(late)} jobs"
          + (f" (by {min(late)} to {max(late)})" if late else "")
          + f"; overtaken by 1..{slots - 1}: {sum(1 for n in behind if 0 < n < slots)}; max {max(behind, default=0)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--slots", type=int, default=2)
    parser.add_argument("--reads", type=int, default=100, help="idle reads for the baseline")
    parser.add_argument("--timeout", type=float, default=900, help="give up after this many seconds in total")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="amlx-burst-") as tmp:
        process, url, token = start_server(Path(tmp), args.slots)
        try:
            asyncio.run(run(args, Api(url, token), process.pid))
        finally:
            stop_server(process)
            # every job has ended (or the timeout passed); supervisors exit with their jobs


if __name__ == "__main__":
    main()
