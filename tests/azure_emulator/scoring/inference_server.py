"""One deployment's scoring process, as Azure's inference server runs it (standard library, run by file path).

Azure ML's contract: ``AZUREML_MODEL_DIR`` names the folder holding the model's
files; a scoring script's ``init()`` runs once and ``run(raw_data)`` once per
request with the body as text; what ``run`` returns is the JSON answer (an
object with ``status_code`` and ``get_data()``, like ``AMLResponse``, sets the
status). An MLflow model deployed without a script is served the way Azure
serves one: ``{"input_data": {"columns", "index", "data"}}`` in, a list out.

Binds 127.0.0.1 on a port the OS picks and writes it to the ready file once
``init()`` has returned; a failing ``init()`` ends the process (its traceback
is the deployment's log).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from collections.abc import Callable


def load_script(code_dir: Path, script: str) -> Callable[[str], Any]:
    sys.path.insert(0, str(code_dir))
    spec = importlib.util.spec_from_file_location("score", code_dir / script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.init()
    return module.run


def load_mlflow(model_dir: Path) -> Callable[[str], Any]:
    import mlflow.pyfunc
    import pandas as pd

    folders = sorted(p.parent for p in model_dir.rglob("MLmodel"))
    if len(folders) != 1:
        raise RuntimeError(f"expected one MLmodel file in the model, found {len(folders)}")
    model = mlflow.pyfunc.load_model(str(folders[0]))

    def run(raw: str) -> Any:
        body = json.loads(raw)
        data = body.get("input_data") if isinstance(body, dict) else None
        if isinstance(data, dict) and "data" in data:
            frame = pd.DataFrame(data["data"], columns=data.get("columns"), index=data.get("index"))
        elif isinstance(data, list):
            frame = pd.DataFrame(data)
        else:
            return _Response({"error": 'Send {"input_data": {"columns": [...], "index": [...], "data": [...]}}.'}, 400)
        out = model.predict(frame)
        return out.tolist() if hasattr(out, "tolist") else list(out)

    return run


class _Response:
    def __init__(self, body: Any, status_code: int) -> None:
        self.body, self.status_code = body, status_code

    def get_data(self) -> bytes:
        return json.dumps(self.body).encode()


def serve(run: Callable[[str], Any], ready: Path) -> None:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
            pass

        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            self._send(200, b"Healthy")

        def do_POST(self) -> None:  # noqa: N802
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8", errors="replace")
            try:
                result = run(raw)
            except Exception as exc:  # noqa: BLE001 - the server answers 500 and keeps serving, as Azure's does
                traceback.print_exc()
                self._send(500, json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode())
                return
            if hasattr(result, "status_code") and hasattr(result, "get_data"):
                data = result.get_data()
                self._send(int(result.status_code), data if isinstance(data, bytes) else str(data).encode())
                return
            self._send(200, json.dumps(result).encode())

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    partial = ready.with_name(ready.name + ".part")
    partial.write_text(str(server.server_address[1]))
    os.replace(partial, ready)
    print(f"scoring server ready on 127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


def _exit_with_parent(parent: int) -> None:
    """The emulator may be killed without stopping its children: then this process is orphaned and ends."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model-dir", type=Path, required=True)
    parser.add_argument("--code-dir", type=Path)
    parser.add_argument("--script")
    parser.add_argument("--ready", type=Path, required=True)
    parser.add_argument("--parent", type=int, required=True)
    args = parser.parse_args()
    threading.Thread(target=_exit_with_parent, args=(args.parent,), daemon=True).start()
    os.environ["AZUREML_MODEL_DIR"] = str(args.model_dir)
    if args.script:
        os.chdir(args.code_dir)
        run = load_script(args.code_dir, args.script)
    else:
        run = load_mlflow(args.model_dir)
    serve(run, args.ready)


if __name__ == "__main__":
    main()
