"""Clients that hold connections, dribble bytes or send pathological JSON: real requests keep being answered."""

from __future__ import annotations

import resource
import select
import socket
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .helpers import KEY, request, score, wait_for

ROW = {"data": [[0.01] * 10]}
FLOOD = 2000


def _ok(port: int) -> None:
    reply = score(port, ROW)
    assert reply.status == 200, reply


def _connections(port: int) -> dict[str, int]:
    return request(port, "GET", "/stats").json()["connections"]


@pytest.fixture
def many_sockets() -> Iterator[list[socket.socket]]:
    """Room in this process for the flood's sockets (the soft open-files limit is raised, then restored)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = FLOOD + 256
    if soft != resource.RLIM_INFINITY and soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            pytest.skip(f"the open-files hard limit ({hard}) is below the {needed} this test needs")
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    socks: list[socket.socket] = []
    try:
        yield socks
    finally:
        for s in socks:
            s.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def _flood(port: int, socks: list[socket.socket]) -> None:
    """FLOOD connections that never finish a request; every 10th starts one and stops mid-headers."""
    for i in range(FLOOD):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        if i % 10 == 0:
            s.sendall(b"POST /score HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        socks.append(s)


def test_two_thousand_idle_connections_leave_the_server_answering(fresh_servers, models, key_file, many_sockets):
    proc = fresh_servers.start("flood", model=models.pkl, key_file=key_file)
    _flood(proc.port, many_sockets)
    # The server has taken every one of them (held open, or closed to make room if its limit is low).
    wait_for(lambda: (c := _connections(proc.port))["open"] + c["idle_closed_for_room"] > FLOOD, 60,
             what="the server to accept the flood")
    _ok(proc.port)
    assert request(proc.port, "GET", "/health", key=None).status == 200
    assert _connections(proc.port)["refused_all_busy"] == 0


def test_past_the_connection_limit_the_longest_idle_connections_make_room(fresh_servers, models, key_file, many_sockets):
    proc = fresh_servers.start("flood-small", model=models.pkl, key_file=key_file, extra_args=["--max-connections", "200"])
    _flood(proc.port, many_sockets)
    _ok(proc.port)  # a real request after 2,000 idle ones still finds room
    stats = wait_for(lambda: (c := _connections(proc.port))["idle_closed_for_room"] >= FLOOD - 200 and c, 60,
                     what="the oldest idle connections to be closed")
    assert stats["open"] <= 200 and stats["refused_all_busy"] == 0
    # The first connections of the flood were the ones closed: they read end-of-stream.
    ready, _, _ = select.select([many_sockets[1]], [], [], 10)
    assert ready and many_sockets[1].recv(100) == b""


def test_a_client_dribbling_its_body_is_cut_off_while_others_are_served(fresh_servers, models, key_file):
    proc = fresh_servers.start("dribble", model=models.pkl, key_file=key_file, extra_args=["--request-timeout", "1"])
    head = (f"POST /score HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {KEY}\r\n"
            "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"data\": [").encode()
    with socket.create_connection(("127.0.0.1", proc.port), timeout=10) as s:
        s.sendall(head)
        closed = False
        deadline = time.monotonic() + 30
        while not closed and time.monotonic() < deadline:
            try:
                s.sendall(b" ")  # one byte at a time: never the whole body
            except OSError:
                closed = True
                break
            _ok(proc.port)  # others are served while this client holds its connection
            ready, _, _ = select.select([s], [], [], 0.2)
            if ready:
                try:
                    data = s.recv(4096)
                except ConnectionResetError:
                    data = b""
                assert not data.startswith(b"HTTP/1.1 2"), data[:100]
                closed = data == b""
        assert closed, "the server should close a connection whose body does not arrive within --request-timeout"
    _ok(proc.port)


@pytest.fixture(scope="module")
def ridge(servers, models, key_file):
    return servers.start("hostile-json", model=models.pkl, key_file=key_file, deployment="hostile")


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"data": ' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_000 + b"}",
    ],
    ids=["arrays", "arrays-under-data", "objects"],
)
def test_json_nested_100000_deep_is_a_400_with_a_sentence(ridge, body):
    reply = score(ridge.port, body)
    assert reply.status == 400, reply
    assert reply.error["code"] == "invalid_request" and "too deeply" in reply.error["message"]
    _ok(ridge.port)


def test_integers_beyond_what_python_or_a_float_holds_are_400(ridge):
    long_int = b"1" * 4301  # past Python's int/str conversion limit
    reply = score(ridge.port, b'{"data": [[' + long_int + b", 2, 3, 4, 5, 6, 7, 8, 9, 10]]}")
    assert reply.status == 400, reply
    assert "4300 digits" in reply.error["message"]
    big = b"9" * 400  # a valid Python int, too large for a float column
    reply = score(ridge.port, b'{"data": [[' + big + b", 2, 3, 4, 5, 6, 7, 8, 9, 10]]}")
    assert reply.status == 400, reply
    assert "'age'" in reply.error["message"] and "1.8e308" in reply.error["message"]
    reply = score(ridge.port, b'{"data": [{"age": ' + big + b', "sex": 1, "bmi": 1, "bp": 1, "s1": 1, "s2": 1, '
                  b'"s3": 1, "s4": 1, "s5": 1, "s6": 1}]}')
    assert reply.status == 400, reply
    _ok(ridge.port)


SLOW_SCORE_PY = textwrap.dedent(
    """
    import json, pathlib, time

    def init():
        pass

    def run(raw_data):
        data = json.loads(raw_data)
        if "sleep" in data:
            pathlib.Path(data["marker"]).touch()
            time.sleep(data["sleep"])
        return {"ok": True}
    """
)


def test_a_long_prediction_does_not_block_the_server_and_a_hung_one_makes_health_fail(fresh_servers, key_file, tmp_path: Path):
    script = tmp_path / "score.py"
    script.write_text(SLOW_SCORE_PY)
    proc = fresh_servers.start("slow-predict", score_script=script, key_file=key_file, extra_args=["--hung-after", "1"])
    marker = tmp_path / "started"
    replies = []
    slow = threading.Thread(target=lambda: replies.append(score(proc.port, {"sleep": 6, "marker": str(marker)}, timeout=60)))
    slow.start()
    try:
        wait_for(marker.exists, 30, what="the prediction to start")
        # The event loop still answers while the prediction runs; past --hung-after it reports it.
        unhealthy = wait_for(lambda: (r := request(proc.port, "GET", "/health", key=None)).status == 503 and r, 30,
                             what="/health to report the long prediction")
        assert slow.is_alive(), "/health must answer while the prediction is still running"
        assert "has been running" in unhealthy.json()["error"]["message"]
        assert request(proc.port, "GET", "/stats").status == 200
    finally:
        slow.join(60)
    assert replies and replies[0].status == 200 and replies[0].json() == {"ok": True}
    assert request(proc.port, "GET", "/health", key=None).status == 200
