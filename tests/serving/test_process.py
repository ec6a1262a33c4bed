"""The process contract the endpoint lifecycle builds on: state file, restart on the same port,
stats that survive a crash, key rotation without restart, clean stop, clear start failures."""

from __future__ import annotations

import os
import signal
import socket

import pytest

from amlx_lab.serving import (
    ServerStartError,
    health,
    is_alive,
    is_serving_process,
    read_state,
    read_stats,
    stop_server,
    write_key_file,
)
from amlx_lab.serving.launch import build_command

from .helpers import KEY, SECONDARY, request, score, wait_for

ROW = {"data": [[0.02] * 10]}


def test_sigkill_then_restart_on_the_same_port_keeps_stats(fresh_servers, models, key_file, tmp_path):
    stats_file = tmp_path / "stats.json"
    first = fresh_servers.start("blue", model=models.pkl, key_file=key_file, stats_file=stats_file, deployment="blue")
    port = first.port
    assert first.state["startup_seconds"] > 0 and health(port)
    for _ in range(7):
        assert score(port, ROW).status == 200
    assert score(port, {"nope": 1}).status == 400
    wait_for(lambda: (read_stats(stats_file) or {}).get("requests") == 8, what="the stats file to show 8 requests")

    os.kill(first.pid, signal.SIGKILL)
    wait_for(lambda: not is_alive(first.pid), what="the killed server to be gone")
    assert not health(port, timeout=0.5)

    second = fresh_servers.start("blue", model=models.pkl, key_file=key_file, stats_file=stats_file, deployment="blue", port=port)
    assert second.port == port and second.pid != first.pid
    assert score(port, ROW).status == 200
    stats = request(port, "GET", "/stats").json()
    assert stats["requests"] == 9 and stats["errors"] == 1 and stats["process_starts"] == 2


def test_key_rotation_takes_effect_without_restart(fresh_servers, models, tmp_path):
    keys = tmp_path / "keys.json"
    write_key_file(keys, primary=KEY, secondary=SECONDARY)
    proc = fresh_servers.start("rot", model=models.pkl, key_file=keys)
    assert score(proc.port, ROW, key=KEY).status == 200
    new_primary = "regenerated-primary-key-000000000"
    write_key_file(keys, primary=new_primary, secondary=SECONDARY)  # regenerate the primary only
    assert score(proc.port, ROW, key=KEY).status == 401
    assert score(proc.port, ROW, key=new_primary).status == 200
    assert score(proc.port, ROW, key=SECONDARY).status == 200
    # A broken rewrite (wrong mode) keeps the last good keys instead of locking everyone out.
    keys.chmod(0o644)
    os.utime(keys)
    assert score(proc.port, ROW, key=new_primary).status == 200


def test_sigterm_stops_cleanly_and_says_so(fresh_servers, models, key_file, tmp_path):
    state_file = tmp_path / "s.json"
    proc = fresh_servers.start("term", model=models.joblib, key_file=key_file, state_file=state_file)
    assert is_serving_process(proc.pid, state_file) and not is_serving_process(proc.pid, tmp_path / "other.json")
    assert not is_serving_process(os.getpid())  # e.g. a pid reused after a reboot: never signalled
    assert stop_server(os.getpid()) and is_alive(os.getpid())
    assert stop_server(proc.pid, grace=5)
    state = read_state(state_file)
    assert state is not None and state["status"] == "stopped" and state["pid"] == proc.pid
    if proc.popen is not None:
        assert proc.popen.wait(timeout=5) == 0


def test_open_key_file_refuses_to_start(fresh_servers, models, tmp_path):
    keys = tmp_path / "keys.json"
    write_key_file(keys, primary=KEY)
    keys.chmod(0o644)
    with pytest.raises(ServerStartError, match="readable by others"):
        fresh_servers.start("open-keys", model=models.pkl, key_file=keys)


def test_bad_model_and_busy_port_fail_with_reasons(fresh_servers, models, key_file, tmp_path):
    junk = tmp_path / "model.pkl"
    junk.write_bytes(b"not a pickle")
    with pytest.raises(ServerStartError, match="cannot load model.pkl"):
        fresh_servers.start("junk", model=junk, key_file=key_file)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ServerStartError, match=f"cannot listen on 127.0.0.1:{port}"):
            fresh_servers.start("busy", model=models.pkl, key_file=key_file, port=port)


def test_command_line_has_no_secret(key_file, models):
    cmd = build_command(key_file=key_file, model=models.pkl, port=0, deployment="blue")
    assert KEY not in " ".join(cmd) and SECONDARY not in " ".join(cmd)
    assert cmd[1:3] == ["-m", "amlx_lab.serving"]
