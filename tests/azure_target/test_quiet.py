"""azure-ai-ml's chatter (experimental-class banners, colour codes around uploads) stays out of the user's output,
and keeping it out never swallows what other threads print meanwhile."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

from amlx_lab.backends.azure import AzureBackend
from amlx_lab.backends.azure.quiet import quiet_streams
from amlx_lab.specs import CommandJobSpec

pytestmark = pytest.mark.slow


def test_a_submit_prints_nothing(backend: AzureBackend, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    from azure.ai.ml._utils import _experimental

    _experimental._warning_cache.clear()  # the SDK prints each banner once per process: make it want to again
    code = tmp_path / "code"
    code.mkdir()
    (code / "main.py").write_text("print('quiet')\n")
    (tmp_path / "rows.csv").write_text("a\n1\n")
    capfd.readouterr()
    backend.submit(CommandJobSpec(code_dir=code, experiment="quiet", inputs={"rows": str(tmp_path / "rows.csv")}))
    out, err = capfd.readouterr()
    assert out == "" and "experimental" not in err and "\x1b[" not in err, (out, err)


def test_quiet_streams_drop_only_the_quiet_threads_writes(capsys: pytest.CaptureFixture[str]) -> None:
    inside, printed = threading.Event(), threading.Event()
    original = sys.stdout

    def other() -> None:
        inside.wait(10)
        print("from another thread", flush=True)
        printed.set()

    worker = threading.Thread(target=other)
    worker.start()
    with quiet_streams():
        print("from the SDK call")
        print("colour reset", file=sys.stderr)
        inside.set()
        assert printed.wait(10)
    worker.join()
    assert sys.stdout is original, "the stream is put back"
    out, err = capsys.readouterr()
    assert out == "from another thread\n" and err == ""


def test_a_poller_left_running_prints_no_dots_and_others_still_print(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from amlx_lab.backends.azure.quiet import mute_thread

    stream = io.StringIO()
    monkeypatch.setattr(sys, "stdout", stream)
    go, polled = threading.Event(), threading.Event()

    def poll() -> None:  # what azure-ai-ml's AzureMLPolling does on each poll, after the call returned
        go.wait(30)
        for _ in range(3):
            print(".", end="", flush=True)
        polled.set()

    class Poller:
        _thread = threading.Thread(target=poll, daemon=True)

    Poller._thread.start()
    mute_thread(Poller())
    go.set()
    assert polled.wait(30)
    print("the user's line")
    Poller._thread.join(30)
    from amlx_lab.backends.azure import quiet

    deadline = time.monotonic() + 30
    while quiet._muted and time.monotonic() < deadline:
        time.sleep(0.02)  # polling a condition: the thread is forgotten once it has ended
    assert stream.getvalue() == "the user's line\n" and not quiet._muted
