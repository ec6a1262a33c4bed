"""Scoring server throughput and latency: amlx_lab.serving vs `mlflow models serve` vs azmlinfsrv vs in-process.

Two models, each served by every server in one run, loopback only, bounded in time:

* numeric: Ridge(alpha=1.0) on sklearn's diabetes data (10 float features, fitted on a DataFrame);
* titanic: the example notebook's Pipeline (ColumnTransformer: median imputer on Age, Pclass
  passed through, one-hot Sex; then LogisticRegression) fitted on examples/data/titanic.csv,
  scored from a DataFrame with a string column: what users deploy.

For each model and server: requests/s and p50/p99 latency at concurrency 1 and 16, for 1-row and
100-row requests, plus start-up time (spawn to the first 200 on its health route) and resident
memory (the server's whole process tree, after the load). The same model is also timed in this
process: a bare ``predict`` (DataFrame; and ndarray for the numeric model) and amlx's own scorer
on the request bytes (JSON in, JSON out, no HTTP), so the ratios say what HTTP and the worker
thread add.

    .venv/bin/python benchmarks/bench_scoring.py [--duration 5] [--models numeric,titanic]
                                                 [--only amlx,mlflow,azmlinfsrv]

Load generator: `wrk` (C, one thread) when it is installed (`apt-get install -y wrk`),
otherwise a Python asyncio client; either shares the machine's cores with the server, so
absolute numbers depend on the machine and on what else runs. Each rows/concurrency cell is
run on every server in short interleaved rounds (the order rotating) and the median round is
reported, so compared servers see the same background load and one bad second does not decide.
The server's CPU per request (its process tree, during the rounds) says what a configuration
costs whatever else runs. Targets (numeric model, 1 row): amlx >= 3x azmlinfsrv and >= 10x
mlflow serve in req/s at c16; amlx p50 at c1 <= 1.5x an in-process predict (of a DataFrame, as a
notebook calls it). No assertions: numbers are reported, not judged.

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
import functools
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
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
MAIN_PY = Path(sys.executable)
AZ_VENV = HERE / ".venv-azmlinfsrv"
RESULTS = HERE / "results"
TITANIC_CSV = REPO / "examples" / "data" / "titanic.csv"
KEY = "bench-primary-key-0123456789abcdef"
TOTAL_BUDGET_S = 900.0  # hard stop for the whole run (cells are skipped past it)
ROWS = (1, 100)
CONCURRENCY = (1, 16)

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

# amlx configurations: (key, label, extra environment, extra arguments).
AMLX_VARIANTS: list[tuple[str, str, dict[str, str], list[str]]] = [
    ("amlx", "amlx (tornado, 1 predict thread)", {}, []),
    ("amlx-2t", "amlx (tornado, 2 predict threads)", {}, ["--threads", "2"]),
]


@dataclass
class Cell:
    model: str
    server: str
    rows: int
    concurrency: int
    requests_per_s: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    errors: int = 0
    cpu_ms_per_request: float | None = None  # the server's CPU per request: what it costs, whatever else runs
    note: str = ""


@dataclass
class Server:
    key: str
    name: str
    model: str
    url: str
    health_url: str
    payloads: dict[int, bytes]
    pid: int | None = None
    startup_s: float | None = None
    rss_mb: float | None = None
    skipped: str | None = None
    log: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Model:
    """One model in every form the servers need, plus the rows to send."""

    name: str
    folder: Path
    estimator: Any
    frame: Any  # the training features, a DataFrame
    columns: list[str]
    rows: dict[int, list[list[Any]]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


def tree_cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of a process and its children so far (0 when unknown)."""
    if pid is None:
        return 0.0
    try:
        import psutil

        root = psutil.Process(pid)
        total = 0.0
        for p in [root, *root.children(recursive=True)]:
            times = p.cpu_times()
            total += times.user + times.system
        return total
    except Exception:  # noqa: BLE001 - CPU time is informative only
        return 0.0


def tree_rss_mb(pid: int | None) -> float | None:
    """Resident memory of a process and its children (mlflow and gunicorn run a parent and a worker)."""
    if pid is None:
        return None
    try:
        import psutil

        root = psutil.Process(pid)
        return sum(p.memory_info().rss for p in [root, *root.children(recursive=True)]) / 1e6
    except Exception:  # noqa: BLE001 - memory is informative only
        return None


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


@dataclass
class Load:
    """One timed run of the load generator against one server."""

    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    server_cpu_s: float  # CPU time the server's process tree used during the run


def run_wrk(url: str, body: bytes, concurrency: int, duration: float, lua: Path, cpu: Callable[[], float],
            *, warm_up: bool = True) -> Load:
    env = {**os.environ, "BENCH_BODY": body.decode(), "BENCH_KEY": KEY}
    if warm_up:
        subprocess.run(["wrk", "-t1", f"-c{concurrency}", "-d1s", "-s", str(lua), url], env=env,
                       capture_output=True, text=True, timeout=30, check=False)
    cpu_before = cpu()
    out = subprocess.run(
        ["wrk", "-t1", f"-c{concurrency}", f"-d{duration:g}s", "--latency", "-s", str(lua), url],
        env=env, capture_output=True, text=True, timeout=duration + 30, check=False,
    ).stdout
    server_cpu = cpu() - cpu_before
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    # The percentile lines of "Latency Distribution" start a line ("+/- Stdev" columns also end in %).
    p50 = _ms(re.search(r"^\s*50%\s+(\S+)", out, re.MULTILINE).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s*99%\s+(\S+)", out, re.MULTILINE).group(1))  # type: ignore[union-attr]
    errors = 0
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if m:
        errors += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(g) for g in m.groups())
    return Load(rps, p50, p99, errors, requests, server_cpu)


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


def run_python(url: str, body: bytes, concurrency: int, duration: float, cpu: Callable[[], float],
               *, warm_up: bool = True) -> Load:
    m = re.match(r"http://([^:/]+):(\d+)(/.*)", url)
    assert m
    host, port, path = m.group(1), int(m.group(2)), m.group(3)
    if warm_up:
        asyncio.run(_python_load(host, port, path, body, concurrency, 1.0))
    cpu_before = cpu()
    rps, lat, errors = asyncio.run(_python_load(host, port, path, body, concurrency, duration))
    server_cpu = cpu() - cpu_before
    lat.sort()
    return Load(rps, lat[len(lat) // 2], lat[min(len(lat) - 1, int(len(lat) * 0.99))], errors, len(lat), server_cpu)


# --- the models --------------------------------------------------------------------------------


def _save_forms(model: Model, sample: Any) -> None:
    """The model as an MLflow folder (amlx, mlflow serve) and as model.pkl + score.py (azmlinfsrv)."""
    import joblib
    import mlflow.sklearn
    from mlflow.models import infer_signature

    mlflow.sklearn.save_model(model.estimator, model.folder / "mlflow_model", pip_requirements=["scikit-learn", "skops"],
                              signature=infer_signature(sample, model.estimator.predict(sample)),
                              skops_trusted_types=["numpy.dtype"])
    (model.folder / "az_model").mkdir()
    joblib.dump(model.estimator, model.folder / "az_model" / "model.pkl")
    (model.folder / "az_src").mkdir()
    (model.folder / "az_src" / "score.py").write_text(SCORE_PY)


def numeric_model(tmp: Path) -> Model:
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import Ridge

    X, y = load_diabetes(return_X_y=True, as_frame=True)
    model = Model("numeric", tmp / "numeric", Ridge(alpha=1.0).fit(X, y), X, list(X.columns),
                  {n: X.iloc[:n].to_numpy().tolist() for n in ROWS})
    model.folder.mkdir()
    _save_forms(model, X)
    return model


def titanic_model(tmp: Path) -> Model:
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    df = pd.read_csv(TITANIC_CSV)
    X, y = df[["Age", "Pclass", "Sex"]], df["Survived"]
    X_train, _, y_train, _ = train_test_split(X, y, test_size=0.2, random_state=42, stratify=y)
    preprocess = ColumnTransformer([
        ("age", SimpleImputer(strategy="median"), ["Age"]),
        ("class", "passthrough", ["Pclass"]),
        ("sex", OneHotEncoder(handle_unknown="ignore"), ["Sex"]),
    ])
    pipeline = Pipeline([("preprocess", preprocess), ("classifier", LogisticRegression(max_iter=1000))]).fit(X_train, y_train)
    sample = X.dropna().iloc[:max(ROWS)]
    rows = {n: [[float(r.Age), int(r.Pclass), str(r.Sex)] for r in sample.iloc[:n].itertuples()] for n in ROWS}
    model = Model("titanic", tmp / "titanic", pipeline, X_train, ["Age", "Pclass", "Sex"], rows)
    model.folder.mkdir()
    _save_forms(model, X_train)
    return model


def _median_ms(fn: Callable[[], Any], n: int) -> float:
    for _ in range(max(10, n // 20)):
        fn()
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def in_process(model: Model) -> dict[str, float]:
    """Median single-call times in ms: a bare predict, and amlx's scorer on the request bytes."""
    import warnings

    import numpy as np
    import pandas as pd
    import sklearn

    warnings.filterwarnings("ignore", message="X does not have valid feature names")
    out: dict[str, float] = {}
    for n in ROWS:
        frame = pd.DataFrame(model.rows[n], columns=model.columns)
        out[f"predict_dataframe_{n}"] = _median_ms(functools.partial(model.estimator.predict, frame), 400)
        if model.name == "numeric":
            array = np.asarray(model.rows[n], dtype=np.float64)
            out[f"predict_ndarray_{n}"] = _median_ms(functools.partial(model.estimator.predict, array), 2000)
    sys.path.insert(0, str(REPO))
    from amlx_lab.serving.loader import load_model
    from amlx_lab.serving.scorer import ModelScorer

    with sklearn.config_context():  # the scorer changes this thread's sklearn config; put it back after
        scorer = ModelScorer(load_model(model.folder / "mlflow_model"), skip_sklearn_finite_check=True)
        for n in ROWS:
            body = payload("azure", model.columns, model.rows[n])
            out[f"amlx_scorer_{n}"] = _median_ms(functools.partial(scorer.score, body, {}), 400)
    return out


def payload(kind: str, columns: list[str], rows: list[list[Any]]) -> bytes:
    split = {"columns": columns, "index": list(range(len(rows))), "data": rows}
    return json.dumps({"dataframe_split" if kind == "mlflow" else "input_data": split}).encode()


# --- the servers -------------------------------------------------------------------------------


def start_amlx(tmp: Path, model: Model, key: str, label: str, extra_env: dict[str, str], extra_args: list[str]) -> Server:
    sys.path.insert(0, str(REPO))
    from amlx_lab.serving import write_key_file

    keys = tmp / "keys.json"
    write_key_file(keys, primary=KEY)
    port = free_port()
    s = Server(key, label, model.name, f"http://127.0.0.1:{port}/score", f"http://127.0.0.1:{port}/health",
               {n: payload("azure", model.columns, r) for n, r in model.rows.items()}, log=tmp / f"{key}-{model.name}.log")
    cmd = [str(MAIN_PY), "-m", "amlx_lab.serving", "--model", str(model.folder / "mlflow_model"), "--key-file", str(keys),
           "--port", str(port), "--state-file", str(tmp / f"{key}-{model.name}-state.json"), "--deployment", "bench",
           "--log-level", "WARNING", *extra_args]
    spawn(s, cmd, {**os.environ, "PYTHONPATH": str(REPO), **extra_env})
    return s


def start_mlflow(tmp: Path, model: Model) -> Server:
    port = free_port()
    s = Server("mlflow", "mlflow models serve", model.name, f"http://127.0.0.1:{port}/invocations",
               f"http://127.0.0.1:{port}/ping", {n: payload("mlflow", model.columns, r) for n, r in model.rows.items()},
               log=tmp / f"mlflow-{model.name}.log")
    mlflow_bin = MAIN_PY.parent / "mlflow"
    if not mlflow_bin.exists():
        s.skipped = "mlflow is not installed in this venv"
        return s
    env = {**os.environ, "PATH": f"{MAIN_PY.parent}:{os.environ.get('PATH', '')}",
           "MLFLOW_TRACKING_URI": f"sqlite:///{tmp / 'mlflow.db'}", "MLFLOW_ALLOW_PICKLE_DESERIALIZATION": "true"}
    cmd = [str(mlflow_bin), "models", "serve", "-m", str(model.folder / "mlflow_model"), "--env-manager", "local",
           "-p", str(port), "-h", "127.0.0.1"]
    spawn(s, cmd, env, timeout=120)
    return s


def start_azmlinfsrv(tmp: Path, model: Model) -> Server:
    port = free_port()
    s = Server("azmlinfsrv", "azmlinfsrv (Azure inference server)", model.name, f"http://127.0.0.1:{port}/score",
               f"http://127.0.0.1:{port}/", {n: payload("azure", model.columns, r) for n, r in model.rows.items()},
               log=tmp / f"azmlinfsrv-{model.name}.log")
    py = AZ_VENV / "bin" / "python"
    if not py.exists():
        s.skipped = f"no venv at {AZ_VENV.relative_to(REPO)} (see this file's docstring to create it)"
        return s
    probe = subprocess.run([str(py), "-c", "import azureml_inference_server_http, sklearn, pandas, joblib"],
                           capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        s.skipped = "the azmlinfsrv venv lacks a package: " + probe.stderr.strip().splitlines()[-1]
        return s
    launcher = tmp / "az_launch.py"
    launcher.write_text(AZ_LAUNCHER)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{py.parent}:{env.get('PATH', '')}"
    cmd = [str(py), str(launcher), "--entry_script", str(model.folder / "az_src" / "score.py"),
           "--model_dir", str(model.folder / "az_model"), "--port", str(port)]
    spawn(s, cmd, env)
    return s


def _start_amlx_variant(tmp: Path, model: Model, *, key: str, label: str, extra_env: dict[str, str],
                        extra_args: list[str]) -> Server:
    return start_amlx(tmp, model, key, label, extra_env, extra_args)


def starters(wanted: set[str]) -> list[tuple[str, Callable[[Path, Model], Server]]]:
    out: list[tuple[str, Callable[[Path, Model], Server]]] = []
    for key, label, env, args in AMLX_VARIANTS:
        if key in wanted:
            out.append((key, functools.partial(_start_amlx_variant, key=key, label=label, extra_env=env, extra_args=args)))
    if "mlflow" in wanted:
        out.append(("mlflow", start_mlflow))
    if "azmlinfsrv" in wanted:
        out.append(("azmlinfsrv", start_azmlinfsrv))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=5.0, help="seconds per cell and server (default 5)")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds the duration is split into (default 5)")
    ap.add_argument("--models", default="numeric,titanic", help="comma-separated subset of models")
    ap.add_argument("--only", default=",".join([v[0] for v in AMLX_VARIANTS] + ["mlflow", "azmlinfsrv"]),
                    help="comma-separated subset of servers")
    ap.add_argument("--load", choices=["auto", "wrk", "python"], default="auto")
    ap.add_argument("--budget", type=float, default=TOTAL_BUDGET_S, help="seconds for the whole run")
    args = ap.parse_args()
    t_start = time.monotonic()
    use_wrk = args.load == "wrk" or (args.load == "auto" and shutil.which("wrk") is not None)
    tool = "wrk -t1 (C)" if use_wrk else "python asyncio client (shares the cores, slower than wrk)"
    wanted = set(args.only.split(","))
    print(f"load generator: {tool}; {args.duration:g} s per cell and server in {args.rounds} interleaved rounds "
          f"(medians reported) after a 1 s warm-up; {os.cpu_count()} cores; "
          f"load average at start {os.getloadavg()[0]:.2f}", flush=True)

    tmp = Path(tempfile.mkdtemp(prefix="bench-scoring-"))
    servers: list[Server] = []
    cells: list[Cell] = []
    floors: dict[str, dict[str, float]] = {}
    lua = tmp / "post.lua"
    lua.write_text(WRK_LUA)
    builders = {"numeric": numeric_model, "titanic": titanic_model}
    try:
        for model_name in args.models.split(","):
            model = builders[model_name](tmp)
            live: list[Server] = []
            for _key, starter in starters(wanted):
                server = starter(tmp, model)  # one at a time so start-ups do not compete
                servers.append(server)
                if server.skipped:
                    print(f"[{model.name}] {server.name}: SKIPPED ({server.skipped})", flush=True)
                    stop(server)
                else:
                    print(f"[{model.name}] {server.name}: ready in {server.startup_s:.2f} s", flush=True)
                    live.append(server)
            # Timed before and after the cells; the lower (less disturbed) value is kept, which can only make
            # amlx's ratios against it look worse.
            before = in_process(model)
            try:
                for n in ROWS:
                    for c in CONCURRENCY:
                        cells += measure(live, model, n, c, args, use_wrk, lua, t_start)
                for server in live:
                    server.rss_mb = tree_rss_mb(server.pid)
            finally:
                for server in live:
                    stop(server)
            after = in_process(model)
            floors[model.name] = floor = {k: min(v, after[k]) for k, v in before.items()}
            print(f"[{model.name}] in-process (median ms, lower of before/after): "
                  + ", ".join(f"{k} {v:.3f}" for k, v in floor.items()), flush=True)
    finally:
        for server in servers:
            stop(server)
        shutil.rmtree(tmp, ignore_errors=True)

    report(cells, servers, floors, tool, time.monotonic() - t_start)
    return 0


def measure(live: list[Server], model: Model, n: int, c: int, args: argparse.Namespace, use_wrk: bool, lua: Path,
            t_start: float) -> list[Cell]:
    """One rows/concurrency cell on every server, in interleaved rounds.

    The load on a shared machine comes and goes; short rounds taken in turn (the order rotating)
    let every server see the same mix, and the median round keeps one bad second from deciding.
    """
    cells = {s.key: Cell(model.name, s.key, n, c, note=f"load {os.getloadavg()[0]:.1f}") for s in live}
    loads: dict[str, list[Load]] = {s.key: [] for s in live}
    round_s = args.duration / args.rounds
    if time.monotonic() - t_start > args.budget - args.duration * len(live) - 5:
        for cell in cells.values():
            cell.note = "skipped: time budget"
        return list(cells.values())

    def once(server: Server, warm_up: bool) -> None:
        cpu = functools.partial(tree_cpu_seconds, server.pid)
        try:
            if use_wrk:
                load = run_wrk(server.url, server.payloads[n], c, round_s, lua, cpu, warm_up=warm_up)
            else:
                load = run_python(server.url, server.payloads[n], c, round_s, cpu, warm_up=warm_up)
            loads[server.key].append(load)
        except Exception as exc:  # noqa: BLE001 - a failed round is reported, not fatal
            cells[server.key].note = f"failed: {type(exc).__name__}: {exc}"

    for i in range(args.rounds):
        order = live[i % len(live):] + live[:i % len(live)]
        for server in order:
            once(server, warm_up=i == 0)
    for server in live:
        cell, runs = cells[server.key], loads[server.key]
        if runs:
            requests = sum(r.requests for r in runs)
            cell.requests_per_s = statistics.median(r.requests_per_s for r in runs)
            cell.p50_ms = statistics.median(r.p50_ms for r in runs)
            cell.p99_ms = statistics.median(r.p99_ms for r in runs)
            cell.errors = sum(r.errors for r in runs)
            cell.cpu_ms_per_request = 1000.0 * sum(r.server_cpu_s for r in runs) / requests if requests else None
        print(f"  [{model.name}] {server.key:<12} {n:>3} rows c{c:<2} {_fmt(cell)}", flush=True)
    return list(cells.values())


def _fmt(cell: Cell) -> str:
    if cell.requests_per_s is None:
        return cell.note
    err = f"  errors {cell.errors}" if cell.errors else ""
    cpu = f"{cell.cpu_ms_per_request:6.3f}" if cell.cpu_ms_per_request is not None else "   n/a"
    return (f"{cell.requests_per_s:8.0f} req/s  p50 {cell.p50_ms:7.2f} ms  p99 {cell.p99_ms:7.2f} ms  "
            f"server CPU {cpu} ms/req  ({cell.note}){err}")


def _get(cells: list[Cell], model: str, server: str, rows: int, c: int) -> Cell | None:
    for cell in cells:
        if (cell.model, cell.server, cell.rows, cell.concurrency) == (model, server, rows, c) and cell.requests_per_s:
            return cell
    return None


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


def _show(ratio: float | None, target: str = "") -> str:
    return "n/a" if ratio is None else f"{ratio:.2f}x" + (f" (target {target})" if target else "")


def report(cells: list[Cell], servers: list[Server], floors: dict[str, dict[str, float]], tool: str, elapsed: float) -> None:
    order = [v[0] for v in AMLX_VARIANTS] + ["mlflow", "azmlinfsrv"]
    print()
    print("| model | server | rows/request | concurrency | req/s | p50 ms | p99 ms | server CPU ms/req | errors | 1-min load avg |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for cell in sorted(cells, key=lambda c: (c.model, order.index(c.server) if c.server in order else 99, c.rows, c.concurrency)):
        if cell.requests_per_s is None:
            print(f"| {cell.model} | {cell.server} | {cell.rows} | {cell.concurrency} | {cell.note} | | | | | |")
        else:
            cpu = f"{cell.cpu_ms_per_request:.3f}" if cell.cpu_ms_per_request is not None else ""
            print(f"| {cell.model} | {cell.server} | {cell.rows} | {cell.concurrency} | {cell.requests_per_s:.0f} | "
                  f"{cell.p50_ms:.2f} | {cell.p99_ms:.2f} | {cpu} | {cell.errors} | {cell.note.removeprefix('load ')} |")
    print()
    print("| model | server | start-up s | memory MB (process tree, after the load) |")
    print("|---|---|---|---|")
    for s in servers:
        start = f"{s.startup_s:.2f}" if s.startup_s else f"skipped ({s.skipped})"
        print(f"| {s.model} | {s.name} | {start} | {s.rss_mb:.0f} |" if s.rss_mb else f"| {s.model} | {s.name} | {start} | |")
    print()
    ratios: dict[str, float | None] = {}
    for model, floor in floors.items():
        for n in ROWS:
            ours16 = _get(cells, model, "amlx", n, 16)
            for other, target in (("azmlinfsrv", ">= 3x"), ("mlflow", ">= 10x")):
                theirs = _get(cells, model, other, n, 16)
                ratio = _ratio(ours16.requests_per_s if ours16 else None, theirs.requests_per_s if theirs else None)
                ratios[f"{model} {n}-row c16 req/s amlx/{other}"] = ratio
                shown_target = target if model == "numeric" and n == 1 else ""
                print(f"[{model}] req/s at c16, {n} row(s), amlx / {other}: {_show(ratio, shown_target)}")
                cpu_ratio = _ratio(theirs.cpu_ms_per_request if theirs else None, ours16.cpu_ms_per_request if ours16 else None)
                ratios[f"{model} {n}-row c16 CPU per request {other}/amlx"] = cpu_ratio
                print(f"[{model}] server CPU per request at c16, {n} row(s), {other} / amlx "
                      f"(requests one core can serve, amlx over {other}): {_show(cpu_ratio)}")
        for n in ROWS:
            ours1 = _get(cells, model, "amlx", n, 1)
            p50 = ours1.p50_ms if ours1 else None
            for name, target in (("predict_dataframe", "<= 1.5x"), ("predict_ndarray", ""), ("amlx_scorer", "")):
                base = floor.get(f"{name}_{n}")
                if base is None:
                    continue
                ratio = _ratio(p50, base)
                ratios[f"{model} {n}-row c1 p50 amlx/{name}"] = ratio
                shown_target = target if n == 1 else ""
                print(f"[{model}] p50 at c1, {n} row(s), amlx over HTTP / in-process {name} ({base:.3f} ms): "
                      f"{_show(ratio, shown_target)}")
    print(f"total bench time {elapsed:.0f} s; load generator {tool}")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "bench_scoring.json"
    out.write_text(json.dumps({
        "load_generator": tool, "cells": [asdict(c) for c in cells], "in_process_ms": floors, "ratios": ratios,
        "servers": [{"key": s.key, "name": s.name, "model": s.model, "startup_s": s.startup_s, "rss_mb": s.rss_mb,
                     "skipped": s.skipped} for s in servers],
        "cores": os.cpu_count(), "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }, indent=1))
    print(f"results written to {out.relative_to(REPO)}")


if __name__ == "__main__":
    sys.exit(main())
