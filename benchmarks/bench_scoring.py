"""Scoring server throughput and latency: amlx_lab.serving vs `mlflow models serve` vs azmlinfsrv.

One model for all three (Ridge(alpha=1.0) on sklearn's diabetes data, 10 features,
fitted on a DataFrame), one run, loopback only, bounded in time. For each server:
requests/s and p50/p99 latency at concurrency 1 and 16, for 1-row and 100-row
requests, plus start-up time (spawn to the first 200 on its health route).

    .venv/bin/python benchmarks/bench_scoring.py [--duration 5] [--only ours,mlflow,azmlinfsrv]

Load generator: `wrk` (C, one thread) when it is installed (`apt-get install -y wrk`),
otherwise a Python asyncio client; either shares the machine's cores with the server,
so absolute numbers depend on the machine and on what else runs. Prints a table and
the ratios (targets: ours >= 3x mlflow and >= 1.3x azmlinfsrv at c16 1-row; our c1
1-row p50 <= 2x an in-process predict). No assertions: numbers are reported, not judged.

azmlinfsrv runs from its own venv, `benchmarks/.venv-azmlinfsrv` (it pins older
opentelemetry/pydantic, so it must not share the main venv); create it with
`python3 -m venv benchmarks/.venv-azmlinfsrv && benchmarks/.venv-azmlinfsrv/bin/pip
install azureml-inference-server-http scikit-learn pandas`. Without it that column is
skipped. It is started through a small launcher that binds 127.0.0.1 (the package
hard-codes 0.0.0.0).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
MAIN_PY = Path(sys.executable)
AZ_VENV = HERE / ".venv-azmlinfsrv"
RESULTS = HERE / "results"
KEY = "bench-primary-key-0123456789abcdef"
TOTAL_BUDGET_S = 290.0  # hard stop for the whole run (cells are skipped past it)

SCORE_PY = textwrap.dedent(
    '''
    """Azure-style score.py for the benchmark: same model, same input_data payload."""
    import json
    import os

    import joblib
    import pandas as pd

    model = None


    def init():
        global model
        model = joblib.load(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl"))


    def run(raw_data):
        body = json.loads(raw_data)["input_data"]
        frame = pd.DataFrame(body["data"], columns=body["columns"])
        return model.predict(frame).tolist()
    '''
)

AZ_LAUNCHER = textwrap.dedent(
    '''
    """Run azmlinfsrv bound to 127.0.0.1 (its DEFAULT_HOST is a hard-coded 0.0.0.0)."""
    import sys

    from azureml_inference_server_http import amlserver

    amlserver.DEFAULT_HOST = "127.0.0.1"
    sys.argv = ["azmlinfsrv"] + sys.argv[1:]
    amlserver.run()
    '''
)

WRK_LUA = textwrap.dedent(
    """
    wrk.method = "POST"
    wrk.body = os.getenv("BENCH_BODY")
    wrk.headers["Content-Type"] = "application/json"
    wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")
    """
)


@dataclass
class Cell:
    server: str
    rows: int
    concurrency: int
    requests_per_s: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    errors: int = 0
    note: str = ""


@dataclass
class Server:
    name: str
    url: str
    health_url: str
    payloads: dict[int, bytes]
    pid: int | None = None
    startup_s: float | None = None
    skipped: str | None = None
    log: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http_ok(url: str, deadline: float, pid: int) -> bool:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return True
        except OSError:
            pass
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done == pid:
                return False
        except ChildProcessError:
            return False
        time.sleep(0.05)
    return False


def spawn(server: Server, cmd: list[str], env: dict[str, str], timeout: float = 90.0) -> None:
    """Start detached, time spawn -> first 200 on the health route."""
    assert server.log is not None
    with open(server.log, "wb") as log:
        started = time.monotonic()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
    server.pid = proc.pid
    if wait_http_ok(server.health_url, started + timeout, proc.pid):
        server.startup_s = time.monotonic() - started
    else:
        tail = server.log.read_text(errors="replace").splitlines()[-5:]
        server.skipped = "did not become healthy: " + " | ".join(tail)


def stop(server: Server) -> None:
    if server.pid is None:
        return
    for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 2.0)):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                done, _ = os.waitpid(server.pid, os.WNOHANG)
            except ChildProcessError:
                done = server.pid
            if done == server.pid:
                server.pid = None
                return
            time.sleep(0.05)


# --- load generation -------------------------------------------------------------------------


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    if not m:
        return float("nan")
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def run_wrk(url: str, body: bytes, concurrency: int, duration: float, lua: Path) -> tuple[float, float, float, int]:
    env = {**os.environ, "BENCH_BODY": body.decode(), "BENCH_KEY": KEY}
    warm = subprocess.run(["wrk", "-t1", f"-c{concurrency}", "-d1s", "-s", str(lua), url], env=env,
                          capture_output=True, text=True, timeout=30)
    del warm
    out = subprocess.run(
        ["wrk", "-t1", f"-c{concurrency}", f"-d{duration:g}s", "--latency", "-s", str(lua), url],
        env=env, capture_output=True, text=True, timeout=duration + 30,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    # The percentile lines of "Latency Distribution" start a line ("+/- Stdev" columns also end in %).
    p50 = _ms(re.search(r"^\s*50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s*99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    errors = 0
    for pattern in (r"Non-2xx or 3xx responses:\s+(\d+)", r"Socket errors:.*?read (\d+)"):
        m = re.search(pattern, out)
        if m:
            errors += int(m.group(1))
    return rps, p50, p99, errors


async def _python_load(host: str, port: int, path: str, body: bytes, concurrency: int, duration: float) -> tuple[float, list[float], int]:
    head = (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {KEY}\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    request = head + body
    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + duration

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while time.perf_counter() < stop_at:
                t0 = time.perf_counter()
                writer.write(request)
                header = await reader.readuntil(b"\r\n\r\n")
                m = re.search(rb"(?i)content-length:\s*(\d+)", header)
                await reader.readexactly(int(m.group(1)) if m else 0)
                latencies.append((time.perf_counter() - t0) * 1000)
                if not header.startswith(b"HTTP/1.1 200") and not header.startswith(b"HTTP/1.0 200"):
                    errors += 1
                if b"connection: close" in header.lower():
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return len(latencies) / (time.perf_counter() - started), latencies, errors


def run_python(url: str, body: bytes, concurrency: int, duration: float) -> tuple[float, float, float, int]:
    m = re.match(r"http://([^:/]+):(\d+)(/.*)", url)
    assert m
    host, port, path = m.group(1), int(m.group(2)), m.group(3)
    asyncio.run(_python_load(host, port, path, body, concurrency, 1.0))
    rps, lat, errors = asyncio.run(_python_load(host, port, path, body, concurrency, duration))
    lat.sort()
    return rps, lat[len(lat) // 2], lat[min(len(lat) - 1, int(len(lat) * 0.99))], errors


# --- the model and the three servers ------------------------------------------------------------


def make_model(folder: Path) -> tuple[Any, Any, dict[int, list[list[float]]], list[str]]:
    import joblib
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import Ridge

    os.environ.setdefault("MLFLOW_ALLOW_PICKLE_DESERIALIZATION", "true")
    import mlflow.sklearn

    X, y = load_diabetes(return_X_y=True, as_frame=True)
    model = Ridge(alpha=1.0).fit(X, y)
    mlflow.sklearn.save_model(model, folder / "mlflow_model", pip_requirements=["scikit-learn", "skops"])
    (folder / "az_model").mkdir()
    joblib.dump(model, folder / "az_model" / "model.pkl")
    (folder / "az_src").mkdir()
    (folder / "az_src" / "score.py").write_text(SCORE_PY)
    (folder / "az_launch.py").write_text(AZ_LAUNCHER)
    rows = {1: X.iloc[:1].to_numpy().tolist(), 100: X.iloc[:100].to_numpy().tolist()}
    return model, X, rows, list(X.columns)


def in_process_floor(model: Any, X: Any) -> dict[str, float]:
    """Median single-call time of a bare predict, in ms (numpy 1x10 and a 1-row DataFrame)."""
    import warnings

    import numpy as np

    warnings.filterwarnings("ignore", message="X does not have valid feature names")
    a = np.asarray(X.iloc[:1].to_numpy(), dtype=np.float64)
    frame = X.iloc[:1]
    out = {}
    for name, arg, n in (("numpy_1x10", a, 3000), ("dataframe_1row", frame, 600)):
        for _ in range(50):
            model.predict(arg)
        samples = []
        for _ in range(n):
            t0 = time.perf_counter()
            model.predict(arg)
            samples.append((time.perf_counter() - t0) * 1000)
        out[name] = statistics.median(samples)
    return out


def payload(kind: str, columns: list[str], rows: list[list[float]]) -> bytes:
    split = {"columns": columns, "index": list(range(len(rows))), "data": rows}
    return json.dumps({"dataframe_split" if kind == "mlflow" else "input_data": split}).encode()


def start_ours(tmp: Path, columns: list[str], rows: dict[int, list[list[float]]]) -> Server:
    sys.path.insert(0, str(REPO))
    from amlx_lab.serving import write_key_file

    keys = tmp / "keys.json"
    write_key_file(keys, primary=KEY)
    port = free_port()
    s = Server("amlx", f"http://127.0.0.1:{port}/score", f"http://127.0.0.1:{port}/health",
               {n: payload("azure", columns, r) for n, r in rows.items()}, log=tmp / "amlx.log")
    cmd = [str(MAIN_PY), "-m", "amlx_lab.serving", "--model", str(tmp / "mlflow_model"), "--key-file", str(keys),
           "--port", str(port), "--state-file", str(tmp / "amlx-state.json"), "--deployment", "bench"]
    spawn(s, cmd, {**os.environ, "PYTHONPATH": str(REPO)})
    return s


def start_mlflow(tmp: Path, columns: list[str], rows: dict[int, list[list[float]]]) -> Server:
    port = free_port()
    s = Server("mlflow serve", f"http://127.0.0.1:{port}/invocations", f"http://127.0.0.1:{port}/ping",
               {n: payload("mlflow", columns, r) for n, r in rows.items()}, log=tmp / "mlflow.log")
    mlflow_bin = MAIN_PY.parent / "mlflow"
    if not mlflow_bin.exists():
        s.skipped = "mlflow is not installed in this venv"
        return s
    env = {**os.environ, "PATH": f"{MAIN_PY.parent}:{os.environ.get('PATH', '')}",
           "MLFLOW_TRACKING_URI": f"sqlite:///{tmp / 'mlflow.db'}", "MLFLOW_ALLOW_PICKLE_DESERIALIZATION": "true"}
    cmd = [str(mlflow_bin), "models", "serve", "-m", str(tmp / "mlflow_model"), "--env-manager", "local",
           "-p", str(port), "-h", "127.0.0.1"]
    spawn(s, cmd, env, timeout=120)
    return s


def start_azmlinfsrv(tmp: Path, columns: list[str], rows: dict[int, list[list[float]]]) -> Server:
    port = free_port()
    s = Server("azmlinfsrv", f"http://127.0.0.1:{port}/score", f"http://127.0.0.1:{port}/",
               {n: payload("azure", columns, r) for n, r in rows.items()}, log=tmp / "azmlinfsrv.log")
    py = AZ_VENV / "bin" / "python"
    if not py.exists():
        s.skipped = f"no venv at {AZ_VENV.relative_to(REPO)} (see this file's docstring to create it)"
        return s
    probe = subprocess.run([str(py), "-c", "import azureml_inference_server_http, sklearn, pandas, joblib"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        s.skipped = "the azmlinfsrv venv lacks a package: " + probe.stderr.strip().splitlines()[-1]
        return s
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{py.parent}:{env.get('PATH', '')}"
    cmd = [str(py), str(tmp / "az_launch.py"), "--entry_script", str(tmp / "az_src" / "score.py"),
           "--model_dir", str(tmp / "az_model"), "--port", str(port)]
    spawn(s, cmd, env)
    return s


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=5.0, help="seconds per cell (default 5)")
    ap.add_argument("--only", default="ours,mlflow,azmlinfsrv", help="comma-separated subset of servers")
    ap.add_argument("--load", choices=["auto", "wrk", "python"], default="auto")
    args = ap.parse_args()
    t_start = time.monotonic()
    use_wrk = args.load == "wrk" or (args.load == "auto" and shutil.which("wrk") is not None)
    tool = "wrk -t1 (C)" if use_wrk else "python asyncio client (shares the cores, slower than wrk)"
    wanted = set(args.only.split(","))
    print(f"load generator: {tool}; {args.duration:g} s per cell after a 1 s warm-up; {os.cpu_count()} cores; "
          f"load average at start {os.getloadavg()[0]:.2f}", flush=True)

    tmp = Path(tempfile.mkdtemp(prefix="bench-scoring-"))
    servers: list[Server] = []
    cells: list[Cell] = []
    try:
        model, X, rows, columns = make_model(tmp)
        floor = in_process_floor(model, X)
        print(f"in-process predict (median): numpy 1x10 {floor['numpy_1x10']:.3f} ms, "
              f"DataFrame 1 row {floor['dataframe_1row']:.3f} ms", flush=True)
        lua = tmp / "post.lua"
        lua.write_text(WRK_LUA)
        starters = [("ours", start_ours), ("mlflow", start_mlflow), ("azmlinfsrv", start_azmlinfsrv)]
        for key, starter in starters:
            if key not in wanted:
                continue
            server = starter(tmp, columns, rows)  # one at a time so start-ups do not compete
            servers.append(server)
            if server.skipped:
                print(f"{server.name}: SKIPPED ({server.skipped})", flush=True)
                stop(server)
            else:
                print(f"{server.name}: ready in {server.startup_s:.2f} s", flush=True)
        live = [s for s in servers if not s.skipped]
        # Cells are interleaved (same rows/concurrency on each server back to back) so that the
        # servers compared with each other see about the same background load; idle servers
        # use no CPU while another one is measured.
        for n in (1, 100):
            for c in (1, 16):
                for server in live:
                    cell = Cell(server.name, n, c)
                    cells.append(cell)
                    if time.monotonic() - t_start > TOTAL_BUDGET_S - args.duration - 5:
                        cell.note = "skipped: time budget"
                        continue
                    cell.note = f"load {os.getloadavg()[0]:.1f}"
                    try:
                        if use_wrk:
                            rps, p50, p99, errors = run_wrk(server.url, server.payloads[n], c, args.duration, lua)
                        else:
                            rps, p50, p99, errors = run_python(server.url, server.payloads[n], c, args.duration)
                        cell.requests_per_s, cell.p50_ms, cell.p99_ms, cell.errors = rps, p50, p99, errors
                    except Exception as exc:  # noqa: BLE001 - a failed cell is reported, not fatal
                        cell.note = f"failed: {type(exc).__name__}: {exc}"
                    print(f"  {server.name:<13} {n:>3} rows c{c:<2} {_fmt(cell)}", flush=True)
    finally:
        for server in servers:
            stop(server)
        shutil.rmtree(tmp, ignore_errors=True)

    report(cells, servers, floor, tool, time.monotonic() - t_start)
    return 0


def _fmt(cell: Cell) -> str:
    if cell.requests_per_s is None:
        return cell.note
    err = f"  errors {cell.errors}" if cell.errors else ""
    return f"{cell.requests_per_s:8.0f} req/s  p50 {cell.p50_ms:7.2f} ms  p99 {cell.p99_ms:7.2f} ms  ({cell.note}){err}"


def _get(cells: list[Cell], server: str, rows: int, c: int) -> Cell | None:
    for cell in cells:
        if cell.server == server and cell.rows == rows and cell.concurrency == c and cell.requests_per_s:
            return cell
    return None


def report(cells: list[Cell], servers: list[Server], floor: dict[str, float], tool: str, elapsed: float) -> None:
    print()
    print("| server | rows/request | concurrency | req/s | p50 ms | p99 ms | errors | 1-min load avg |")
    print("|---|---|---|---|---|---|---|---|")
    for cell in sorted(cells, key=lambda c: (c.server != "amlx", c.server, c.rows, c.concurrency)):
        if cell.requests_per_s is None:
            print(f"| {cell.server} | {cell.rows} | {cell.concurrency} | {cell.note} | | | | |")
        else:
            print(f"| {cell.server} | {cell.rows} | {cell.concurrency} | {cell.requests_per_s:.0f} | "
                  f"{cell.p50_ms:.2f} | {cell.p99_ms:.2f} | {cell.errors} | {cell.note.removeprefix('load ')} |")
    print()
    for s in servers:
        print(f"start-up {s.name}: " + (f"{s.startup_s:.2f} s" if s.startup_s else f"skipped ({s.skipped})"))
    ours = _get(cells, "amlx", 1, 16)
    ratios: dict[str, float | None] = {}
    for other, target in (("mlflow serve", 3.0), ("azmlinfsrv", 1.3)):
        theirs = _get(cells, other, 1, 16)
        ratio = ours.requests_per_s / theirs.requests_per_s if ours and theirs else None  # type: ignore[operator]
        ratios[f"amlx/{other} c16 1-row"] = ratio
        print(f"ratio amlx / {other} req/s at c16, 1 row: " + (f"{ratio:.2f}x (target >= {target}x)" if ratio else "n/a"))
    ours1 = _get(cells, "amlx", 1, 1)
    for name in ("numpy_1x10", "dataframe_1row"):
        ratio = ours1.p50_ms / floor[name] if ours1 else None  # type: ignore[operator]
        ratios[f"amlx c1 p50 / in-process {name}"] = ratio
        print(f"ratio amlx p50 at c1, 1 row / in-process predict ({name}, {floor[name]:.3f} ms): "
              + (f"{ratio:.2f}x (target <= 2x)" if ratio else "n/a"))
    print(f"total bench time {elapsed:.0f} s; load generator {tool}")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "bench_scoring.json"
    out.write_text(json.dumps({
        "load_generator": tool, "cells": [asdict(c) for c in cells], "in_process_ms": floor, "ratios": ratios,
        "startup_s": {s.name: s.startup_s for s in servers},
        "skipped": {s.name: s.skipped for s in servers if s.skipped},
        "cores": os.cpu_count(), "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }, indent=1))
    print(f"results written to {out.relative_to(REPO)}")


if __name__ == "__main__":
    sys.exit(main())
