"""A warm, pre-imported Python that forks sweep trials: a trial starts in milliseconds, not seconds.

Why: a fresh ``python main.py`` spends many seconds importing MLflow,
scikit-learn, pandas and IPython (and building MLflow's package map) before
the first line of the user's code runs; the training itself often takes
less. This process imports all of that once, with the job's interpreter,
and then forks one child per trial. A child is an ordinary process of its
own: its own session and process group, its own log (the descriptor the
controller sends), the compute slot's lock (also sent), the trial's
environment and working folder, and ``main.py`` run as ``__main__``.

Run by path with the job's interpreter, never imported by amlx-lab: that
interpreter (the notebook kernel's) may not have amlx-lab installed, so this
file uses the standard library only::

    python -u warm_worker.py --socket-fd N --preload FILE [--learned FILE]

Protocol: JSON messages on a ``SOCK_SEQPACKET`` socket (one message per
packet; descriptors travel alongside with ``SCM_RIGHTS``).

=============================================  ==============================================
controller -> worker                           worker -> controller
=============================================  ==============================================
                                               ``{"event": "ready", "imported", "failed", "seconds"}``
``{"op": "trial", "id", "cwd", "argv",         ``{"event": "started", "id", "pid"}``, later
"env", "status_dir", "learn"}`` + [log, slot]  ``{"event": "exited", "id", "pid", "code"}``
``{"op": "task", "id", "action", "args"}``     ``{"event": "task", "id", "ok", "result"|"error"}``
=============================================  ==============================================

``status_dir/process.json`` (the child's pid) is written before the reply
and ``status_dir/exit.json`` when the child has been reaped, so a controller
that died and was restarted can still learn how its trials ended. Exit codes
follow ``subprocess``: negative for a signal.

Tasks are MLflow calls the controller needs (start the sweep's parent run,
end a run a killed trial left open, log the best value): each runs in a
forked child, where MLflow is already imported, and answers itself.

When the controller goes away (the socket reaches end of file), the worker
takes no more requests, keeps reaping the trials it started (writing their
``exit.json``), and exits when none is left.

What is imported up front: the modules named in ``--preload`` (the top-level
imports of ``main.py``, MLflow's tracking store and sklearn flavour, IPython),
then a few computations MLflow caches per process (its map of packages to
modules; scikit-learn's estimator list that autologging walks). The first
trials also report the modules they imported that were not loaded yet; the
worker imports those between requests and adds them to ``--learned`` (a file
per interpreter in the user cache), so later trials and later sweeps start
warmer still. Only modules installed in the interpreter (not the trial's own
files) are learned.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import select
import socket
import sys
import sysconfig
import time
import traceback
from collections.abc import Callable
from typing import Any

MAX_MESSAGE = 1 << 20
MAX_LEARNED = 5000


def _log(message: str) -> None:
    print(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} [warm-worker {os.getpid()}] {message}", flush=True)


def _write_json(path: str, data: Any) -> None:
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    os.replace(tmp, path)


def _installed_roots() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    roots = {paths.get(k) for k in ("stdlib", "platstdlib", "purelib", "platlib")} | {sys.prefix, sys.base_prefix}
    return tuple(os.path.realpath(r) + os.sep for r in roots if r)


def _installed(name: str, roots: tuple[str, ...]) -> bool:
    """Whether a loaded module comes with the interpreter or its packages (not from a job's folder),
    and can be imported by its name (some are loaded from a path under a made-up name)."""
    module = sys.modules.get(name)
    if module is None or name == "__main__" or name.startswith("__mp_"):
        return False
    origin = getattr(module, "__file__", None)
    if origin is None:
        return name in sys.builtin_module_names or getattr(module, "__spec__", None) is not None
    last = name.rsplit(".", 1)[-1]
    stem = os.path.basename(origin).split(".", 1)[0]
    if stem != last and not (stem == "__init__" and os.path.basename(os.path.dirname(origin)) == last):
        return False  # loaded from a file under another name: importing the name would not find it
    return os.path.realpath(origin).startswith(roots)


class Worker:
    def __init__(self, sock: socket.socket, learned_file: str | None) -> None:
        self.sock = sock
        self.learned_file = learned_file
        self.children: dict[int, dict[str, Any]] = {}
        self.open = True
        self.pending_learn: list[str] = []
        self.roots = _installed_roots()
        self.engines: list[Any] = []  # SQLAlchemy engines made here: a forked child must not reuse their connections

    # -- start-up ------------------------------------------------------------------

    def preload(self, modules: list[str]) -> tuple[int, list[str]]:
        os.environ.setdefault("MPLBACKEND", "Agg")  # matplotlib reads it once, at import; jobs have no display
        imported, failed = 0, []
        for name in modules:
            if name in sys.modules:
                continue
            try:
                importlib.import_module(name)
                imported += 1
            except BaseException as exc:  # noqa: BLE001 - a module that fails here fails in the trial, visibly
                failed.append(f"{name}: {type(exc).__name__}")
        self._warm_caches()
        return imported, failed

    def _warm_caches(self) -> None:
        """Per-process caches the trials would otherwise each rebuild (seconds on a busy machine)."""
        if "mlflow" in sys.modules:
            try:
                from mlflow.utils import requirements_utils

                requirements_utils._init_modules_to_packages_map()  # scans every installed distribution
            except Exception as exc:  # noqa: BLE001 - an optimisation only
                _log(f"MLflow's package map not prepared: {type(exc).__name__}: {exc}")
            uri = os.environ.get("MLFLOW_TRACKING_URI", "")
            if uri.startswith("sqlite:///") and os.path.exists(uri[len("sqlite:///"):]):  # never create a store here
                try:  # the tracking store, schema checked once; MLflow caches it per URI
                    from mlflow.tracking._tracking_service import utils as tracking_utils

                    engine = getattr(tracking_utils._get_store(), "engine", None)
                    if engine is not None:
                        engine.dispose()  # no connection open across a fork; each child opens its own
                        self.engines.append(engine)
                except Exception as exc:  # noqa: BLE001 - an optimisation only
                    _log(f"MLflow's tracking store not prepared: {type(exc).__name__}: {exc}")
        if "sklearn" in sys.modules:
            try:
                from sklearn.utils import all_estimators

                all_estimators()  # imports every estimator module, as autologging does
            except Exception as exc:  # noqa: BLE001
                _log(f"scikit-learn's estimators not imported: {type(exc).__name__}: {exc}")

    # -- messages ------------------------------------------------------------------

    def send(self, message: dict[str, Any]) -> None:
        if not self.open:
            return
        try:
            self.sock.send(json.dumps(message).encode())
        except OSError:
            self.open = False  # the controller is gone; keep reaping

    def serve(self) -> None:
        while self.open or self.children:
            readable: list[Any] = []
            if self.open:
                readable, _, _ = select.select([self.sock], [], [], 0.05 if self.children else 0.5)
            else:
                time.sleep(0.05)
            self.reap()
            if readable:
                self.receive()
            if self.pending_learn and not readable:
                self.learn()
        _log("no controller and no trials left; exiting")

    def receive(self) -> None:
        try:
            data, fds, _flags, _addr = socket.recv_fds(self.sock, MAX_MESSAGE, 4)
        except OSError as exc:
            _log(f"receive failed: {exc}")
            data, fds = b"", []
        if not data:
            _log("the controller closed the connection")
            self.open = False
            self.sock.close()
            for fd in fds:
                os.close(fd)
            return
        try:
            message = json.loads(data)
            if message.get("op") == "trial":
                self.start_trial(message, fds)
            elif message.get("op") == "task":
                self.start_task(message)
            else:
                _log(f"unknown request {message.get('op')!r}")
        finally:
            for fd in fds:
                os.close(fd)  # the child has its copies

    # -- trials ----------------------------------------------------------------------

    def start_trial(self, message: dict[str, Any], fds: list[int]) -> None:
        if len(fds) < 1:
            self.send({"event": "error", "id": message.get("id"), "error": "no log descriptor was sent"})
            return
        sys.stdout.flush()
        sys.stderr.flush()
        before = set(sys.modules) if message.get("learn") else None
        try:
            pid = os.fork()
        except OSError as exc:
            self.send({"event": "error", "id": message.get("id"), "error": f"fork failed: {exc}"})
            return
        if pid == 0:
            self._become_trial(message, fds, before)  # never returns
        status_dir = message["status_dir"]
        try:
            _write_json(os.path.join(status_dir, "process.json"), {"pid": pid})
        except OSError as exc:
            _log(f"could not record the pid of {message['id']}: {exc}")
        self.children[pid] = {"kind": "trial", "id": message["id"], "status_dir": status_dir, "learn": bool(before)}
        self.send({"event": "started", "id": message["id"], "pid": pid})

    def _become_trial(self, message: dict[str, Any], fds: list[int], before: set[str] | None) -> None:
        """In the forked child: become the trial's process and run main.py; exits, never returns."""
        code = 1
        try:
            os.setsid()  # its own session and process group: a cancel reaches whatever it starts
            self.sock.close()
            for engine in self.engines:
                engine.dispose(close=False)  # SQLAlchemy's rule for a forked child: fresh pool, parent's connections untouched
            log = fds[0]
            os.dup2(log, 1)
            os.dup2(log, 2)
            os.close(log)
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.close(null)
            # fds[1], the compute slot's lock, stays open: the slot is taken while this process lives
            os.chdir(message["cwd"])
            os.environ.clear()
            os.environ.update(message["env"])
            argv = message["argv"]
            sys.argv = list(argv[1:])
            sys.path[0] = message["cwd"]
            if "numpy" in sys.modules:
                sys.modules["numpy"].random.seed()  # forks share the parent's generator state; fresh processes do not
            code = _run_script(argv[1])
        except BaseException:  # noqa: BLE001 - anything here is the trial's failure, reported in its log
            traceback.print_exc()
            code = 1
        finally:
            if before is not None:
                try:
                    roots = _installed_roots()
                    new = sorted(n for n in set(sys.modules) - before if _installed(n, roots))
                    _write_json(os.path.join(message["status_dir"], "modules.json"), new)
                except BaseException:  # noqa: BLE001
                    pass
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)

    # -- tasks -----------------------------------------------------------------------

    def start_task(self, message: dict[str, Any]) -> None:
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            try:
                os.setsid()
                result = _TASKS[message["action"]](**message.get("args", {}))
                self.send({"event": "task", "id": message["id"], "ok": True, "result": result})
            except BaseException as exc:  # noqa: BLE001 - the controller decides what a failed task means
                self.send({"event": "task", "id": message["id"], "ok": False, "error": f"{type(exc).__name__}: {exc}"})
            finally:
                sys.stdout.flush()
                os._exit(0)
        self.children[pid] = {"kind": "task", "id": message["id"]}

    # -- reaping and learning ----------------------------------------------------------

    def reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                self.children.clear()
                return
            if pid == 0:
                return
            child = self.children.pop(pid, None)
            if child is None or child["kind"] != "trial":
                continue
            code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
            try:
                _write_json(os.path.join(child["status_dir"], "exit.json"), {"pid": pid, "code": code})
            except OSError as exc:
                _log(f"could not record how {child['id']} ended: {exc}")
            self.send({"event": "exited", "id": child["id"], "pid": pid, "code": code})
            if child["learn"]:
                self._collect(os.path.join(child["status_dir"], "modules.json"))

    def _collect(self, path: str) -> None:
        try:
            with open(path, encoding="utf-8") as handle:
                names = json.load(handle)
            os.unlink(path)
        except (OSError, ValueError):
            return
        self.pending_learn += [n for n in names if isinstance(n, str) and n not in sys.modules]

    def learn(self) -> None:
        """Import what the trials imported on their own, so the next trials find it loaded."""
        names, self.pending_learn = sorted(set(self.pending_learn)), []
        started = time.monotonic()
        learned = [n for n in names if _try_import(n)]
        if learned:
            _log(f"learned {len(learned)} module(s) from the trials in {time.monotonic() - started:.2f} s")
            self._remember(learned)

    def _remember(self, names: list[str]) -> None:
        if not self.learned_file:
            return
        try:
            try:
                with open(self.learned_file, encoding="utf-8") as handle:
                    known = set(json.load(handle))
            except (OSError, ValueError):
                known = set()
            merged = sorted(known | set(names))[:MAX_LEARNED]
            os.makedirs(os.path.dirname(self.learned_file), exist_ok=True)
            _write_json(self.learned_file, merged)
        except OSError as exc:
            _log(f"could not remember the learned modules: {exc}")


def _try_import(name: str) -> bool:
    try:
        importlib.import_module(name)
        return True
    except BaseException:  # noqa: BLE001 - a module that fails to import is simply not preloaded
        return False


def _run_script(path: str) -> int:
    """Run ``path`` as ``__main__`` the way ``python path`` would; returns the exit code."""
    import atexit
    import runpy

    code = 0
    try:
        runpy.run_path(path, run_name="__main__")
    except SystemExit as exc:
        if exc.code is None:
            code = 0
        elif isinstance(exc.code, int):
            code = exc.code
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except BaseException:  # noqa: BLE001 - what the interpreter would print
        kind, value, tb = sys.exc_info()
        try:
            sys.excepthook(kind, value, tb)  # type: ignore[arg-type]  # main.py's hook ends its MLflow run FAILED
        except BaseException:  # noqa: BLE001
            traceback.print_exc()
        code = 1
    atexit._run_exitfuncs()  # MLflow ends its run; what ``python main.py`` does on the way out
    return code & 0xFF


# -- MLflow tasks (run in a forked child, where mlflow is already imported) ------------------


def _experiment_id(experiment: str, artifact_root: str | None, lock_path: str | None) -> str:
    """The experiment's id, created (artifacts under ``artifact_root``) if missing, as amlx's tracking module does."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient()
    found = client.get_experiment_by_name(experiment)
    if found is not None and found.lifecycle_stage == "active":
        return str(found.experiment_id)
    import fcntl

    with open(lock_path or os.devnull, "a") as guard:  # the lock amlx's own experiment creation takes
        if lock_path:
            fcntl.flock(guard, fcntl.LOCK_EX)
        found = client.get_experiment_by_name(experiment)
        if found is not None and found.lifecycle_stage == "deleted":
            client.restore_experiment(found.experiment_id)
        if found is not None:
            return str(found.experiment_id)
        if artifact_root is None:
            return str(client.create_experiment(experiment))
        from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

        store = SqlAlchemyStore(os.environ["MLFLOW_TRACKING_URI"], artifact_root)
        try:
            return str(store.create_experiment(experiment))
        finally:
            store.engine.dispose()


def _start_run(experiment: str, tags: dict[str, str], params: dict[str, str], artifact_root: str | None = None,
               lock_path: str | None = None) -> dict[str, str]:
    from mlflow.tracking import MlflowClient

    client = MlflowClient()
    experiment_id = _experiment_id(experiment, artifact_root, lock_path)
    run = client.create_run(experiment_id, tags=tags, run_name=tags.get("mlflow.runName"))
    for key, value in params.items():
        client.log_param(run.info.run_id, key, value)
    return {"run_id": run.info.run_id, "experiment_id": experiment_id}


def _end_run(run_id: str, status: str, metrics: dict[str, float] | None = None, tags: dict[str, str] | None = None,
             only_if_running: bool = False) -> dict[str, str]:
    from mlflow.tracking import MlflowClient

    client = MlflowClient()
    if only_if_running and client.get_run(run_id).info.status != "RUNNING":
        return {"status": "unchanged"}
    for key, value in (metrics or {}).items():
        client.log_metric(run_id, key, value)
    for key, text in (tags or {}).items():
        client.set_tag(run_id, key, text)
    client.set_terminated(run_id, status=status, end_time=int(time.time() * 1000))
    return {"status": status}


def _log_values(run_id: str, metrics: dict[str, float], step: int = 0, tags: dict[str, str] | None = None) -> dict[str, str]:
    from mlflow.tracking import MlflowClient

    client = MlflowClient()
    for key, value in metrics.items():
        client.log_metric(run_id, key, value, step=step)
    for key, text in (tags or {}).items():
        client.set_tag(run_id, key, text)
    return {}


_TASKS: dict[str, Callable[..., dict[str, str]]] = {"start_run": _start_run, "end_run": _end_run, "log": _log_values}


def main() -> int:
    parser = argparse.ArgumentParser(description="Fork sweep trials from a pre-imported interpreter.")
    parser.add_argument("--socket-fd", type=int, required=True)
    parser.add_argument("--preload", required=True, help="JSON file: the modules to import first")
    parser.add_argument("--learned", help="JSON file of modules earlier trials imported (read and extended)")
    args = parser.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]  # amlx's own modules are not the job's
    sock = socket.socket(fileno=args.socket_fd)
    worker = Worker(sock, args.learned)
    started = time.monotonic()
    with open(args.preload, encoding="utf-8") as handle:
        modules = list(json.load(handle))
    imported, failed = worker.preload(modules)
    learned = 0
    if args.learned:  # what earlier trials imported; a name gone since (another version of a package) is skipped
        try:
            with open(args.learned, encoding="utf-8") as handle:
                learned = sum(_try_import(m) for m in json.load(handle) if isinstance(m, str) and m not in sys.modules)
        except (OSError, ValueError):
            pass
    imported += learned
    seconds = time.monotonic() - started
    _log(f"imported {imported} module(s) in {seconds:.2f} s" + (f"; failed: {', '.join(failed)}" if failed else ""))
    worker.send({"event": "ready", "imported": imported, "failed": failed, "seconds": seconds,
                 "python": sys.version.split()[0]})
    worker.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
