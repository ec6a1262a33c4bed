"""HTTP hardening: auth, content type, sizes, framing, malformed and partial requests never take the server down.

The HTTP/1.1 parsing itself is tornado's; these tests check the behaviour users and
clients see through it.
"""

from __future__ import annotations

import http.client
import json
import socket
import time

import pytest

from .helpers import KEY, raw_exchange, request, score


@pytest.fixture(scope="module")
def server(servers, models, key_file):
    return servers.start(
        "hardening", model=models.pkl, key_file=key_file, deployment="hard",
        extra_args=["--request-timeout", "1", "--idle-timeout", "2", "--max-body-bytes", "200000"],
    )


ROW = {"data": [[0.01] * 10]}


def _ok(port):
    reply = score(port, ROW)
    assert reply.status == 200, reply
    return reply


def test_missing_wrong_and_malformed_keys_get_401(server):
    for key in (None, "not-the-key-not-the-key", KEY + "x", KEY[:-1]):
        reply = score(server.port, ROW, key=key)
        assert reply.status == 401
        assert reply.error["code"] == "unauthorized" and KEY not in reply.body.decode()
        assert reply.headers["www-authenticate"].startswith("Bearer")
    reply = score(server.port, ROW, key=None, headers={"Authorization": f"Basic {KEY}"})
    assert reply.status == 401
    _ok(server.port)


def test_content_type_method_and_route_checks(server):
    assert score(server.port, b'{"data": [[1]]}', content_type="text/plain").status == 415
    assert score(server.port, b"a=b", content_type="application/x-www-form-urlencoded").status == 415
    assert score(server.port, json.dumps(ROW).encode(), content_type="application/json; charset=utf-8").status == 200
    assert request(server.port, "GET", "/score").status == 405
    assert request(server.port, "OPTIONS", "/score", key=None).status == 405  # no CORS preflight
    assert request(server.port, "POST", "/nope", ROW).status == 404
    reply = score(server.port, ROW, headers={"Host": "attacker.example"})
    assert reply.status == 421  # DNS rebinding
    assert "access-control-allow-origin" not in _ok(server.port).headers


def test_malformed_json_is_400_with_position(server):
    reply = score(server.port, b'{"data": [[1, 2}')
    assert reply.status == 400 and "not valid JSON" in reply.error["message"]
    assert score(server.port, b"\xff\xfe\x00garbage").status == 400
    _ok(server.port)


def test_oversized_body_is_413_without_reading_it(server):
    head = (
        f"POST /score HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {KEY}\r\nContent-Type: application/json\r\n"
        "Content-Length: 50000000\r\n\r\n"
    ).encode()
    started = time.monotonic()
    answer = raw_exchange(server.port, head + b"{" * 1000)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:100]
    assert b"Connection: close" in answer and time.monotonic() - started < 3
    big = json.dumps({"data": [[0.01] * 10] * 4000}).encode()
    assert len(big) > 200000
    assert score(server.port, big).status == 413
    _ok(server.port)


def test_garbage_and_half_requests_do_not_take_it_down(server):
    for junk in (
        b"\x00\x01\x02\xff\r\n\r\n",
        b"GARBAGE\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"POST /score HTTP/1.1\r\nBad Header\r\n\r\n",
        b"POST /score HTTP/1.1\r\nContent-Length: ten\r\n\r\n",
        b"POST /score HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    ):
        answer = raw_exchange(server.port, junk)
        assert answer.startswith((b"HTTP/1.1 4", b"HTTP/1.1 5")), (junk[:30], answer[:80])
        assert b"Traceback" not in answer
    # Headers larger than the limit: the connection is closed without an answer.
    assert not raw_exchange(server.port, b"X" * 70000).startswith(b"HTTP/1.1 2")
    # A request cut short by the client closing its side is never scored.
    half = (f"POST /score HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {KEY}\r\nContent-Type: application/json\r\n"
            "Content-Length: 100\r\n\r\n{\"data\"").encode()
    assert not raw_exchange(server.port, half, shutdown=True).startswith(b"HTTP/1.1 2")
    # Connections dropped mid-request without a word.
    for _ in range(20):
        s = socket.create_connection(("127.0.0.1", server.port))
        s.sendall(half)
        s.close()
    _ok(server.port)


def _chunked(body: bytes, sizes: list[int], extra_headers: str = "") -> bytes:
    head = (f"POST /score HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {KEY}\r\n"
            f"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n{extra_headers}\r\n").encode()
    parts, at = [], 0
    for size in sizes:
        parts.append(f"{size:x}\r\n".encode() + body[at:at + size] + b"\r\n")
        at += size
    assert at == len(body)
    return head + b"".join(parts) + b"0\r\n\r\n"


def test_chunked_bodies_are_scored_like_framed_ones(server):
    """Streaming clients (requests with a generator, Java, Go) send chunked bodies; Azure ML accepts them."""
    body = json.dumps(ROW).encode()
    framed = _ok(server.port)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
    try:
        for _ in range(2):  # twice on one kept-alive connection: the decoder leaves the stream in step
            conn.request("POST", "/score", body=iter([body[:1], body[1:8], body[8:]]), headers=headers,
                         encode_chunked=True)
            response = conn.getresponse()
            assert response.status == 200
            assert response.read() == framed.body
    finally:
        conn.close()
    raw = raw_exchange(server.port, _chunked(body, [3, len(body) - 3], "Connection: close\r\n"))
    assert raw.startswith(b"HTTP/1.1 200") and raw.endswith(framed.body)


def test_bad_chunked_bodies_are_refused(server):
    body = json.dumps(ROW).encode()
    chunked = _chunked(body, [len(body)])
    head = chunked.split(b"\r\n\r\n", 1)[0]
    over = 300000  # over --max-body-bytes
    cases = [
        (chunked.replace(b"Transfer-Encoding: chunked", b"Transfer-Encoding: chunked\r\nContent-Length: 5"), b"400"),
        (chunked.replace(b"Transfer-Encoding: chunked", b"Transfer-Encoding: gzip, chunked"), b"501"),
        (head + b"\r\n\r\nzz\r\n" + body, b"400"),  # not a hex size
        (head + b"\r\n\r\n" + f"{len(body) - 3:x}".encode() + b"\r\n" + body + b"\r\n0\r\n\r\n", b"400"),
        (head + b"\r\n\r\n" + f"{over:x}".encode() + b"\r\n" + b" " * over + b"\r\n0\r\n\r\n", b"413"),
        (chunked.replace(b"Authorization: Bearer " + KEY.encode(), b"Authorization: Bearer wrong"), b"401"),
    ]
    for data, status in cases:
        answer = raw_exchange(server.port, data)
        assert answer.startswith(b"HTTP/1.1 " + status), (status, answer[:120])
        assert b"Traceback" not in answer and KEY.encode() not in answer
    refused = json.loads(raw_exchange(server.port, cases[0][0]).split(b"\r\n\r\n", 1)[1])
    assert "not both" in refused["error"]["message"]  # a sentence, not a bare status line
    many = head + b"\r\n\r\n" + b"".join(b"ffff\r\n" + b" " * 0xFFFF + b"\r\n" for _ in range(4))
    assert raw_exchange(server.port, many).startswith(b"HTTP/1.1 413"), "the limit counts all chunks together"
    _ok(server.port)


def test_slow_headers_are_cut_off_and_others_served(server):
    """A client that starts a request and stops mid-headers is disconnected after --idle-timeout."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(b"POST /score HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        _ok(server.port)  # served meanwhile
        assert s.recv(4096) == b""  # closed by the server, nothing scored
    _ok(server.port)


def test_keep_alive_and_pipelining(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        for _ in range(5):
            assert request(server.port, body=ROW, conn=conn).status == 200
        assert request(server.port, body={"bad": 1}, conn=conn).status == 400  # an error keeps the connection
        assert request(server.port, body=ROW, conn=conn).status == 200
    finally:
        conn.close()
    body = json.dumps(ROW).encode()
    one = (f"POST /score HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {KEY}\r\nContent-Type: application/json\r\n"
           f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    last = one.replace(b"Host: 127.0.0.1\r\n", b"Host: 127.0.0.1\r\nConnection: close\r\n")
    answer = raw_exchange(server.port, one + one + last)
    assert answer.count(b"HTTP/1.1 200 OK") == 3


def test_rejected_request_body_is_skipped_and_connection_reused(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        assert request(server.port, body=ROW, key="wrong-key-wrong-key", conn=conn).status == 401
        assert request(server.port, body=ROW, conn=conn).status == 200
    finally:
        conn.close()


def test_http_1_0_and_head(server):
    answer = raw_exchange(server.port, b"GET /health HTTP/1.0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b'{"status":"Healthy"}')
    answer = raw_exchange(server.port, b"HEAD /health HTTP/1.1\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"\r\n\r\n")


def test_errors_were_counted_and_server_survived(server):
    stats = request(server.port, "GET", "/stats").json()
    assert stats["errors"] >= 5 and stats["status_counts"].get("401", 0) >= 4
    assert stats["status_counts"].get("413", 0) >= 1
