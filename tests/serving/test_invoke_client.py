"""The Jupyter server's scoring client (``backends.local.invoke``) against a real scoring server."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from amlx_lab.backends.local import invoke
from amlx_lab.backends.local.invoke import post_score
from amlx_lab.errors import UpstreamError

from .helpers import KEY, free_port

ROW = {"data": [[0.02] * 10]}
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@pytest.fixture
def proxies_everywhere(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A proxy that does not exist: a client that honoured it could not reach 127.0.0.1."""
    for name in PROXY_VARIABLES:
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    invoke._client.cache_clear()
    yield
    invoke._client.cache_clear()


def test_answers_of_any_status_come_back_and_proxies_are_ignored(servers, models, key_file, proxies_everywhere):
    proc = servers.start("invoke", model=models.pkl, key_file=key_file, deployment="inv")
    ok = post_score(proc.port, json.dumps(ROW).encode(), KEY)
    assert ok.status_code == 200 and ok.deployment == "inv" and len(ok.body["result"]) == 1
    assert ok.latency_ms > 0
    bad = post_score(proc.port, b'{"nope": 1}', KEY)
    assert bad.status_code == 400 and "one of the keys" in bad.body["error"]["message"]
    assert post_score(proc.port, json.dumps(ROW).encode(), "not-the-key-not-the-key").status_code == 401


def test_nothing_listening_is_a_502_without_the_key():
    with pytest.raises(UpstreamError) as caught:
        post_score(free_port(), json.dumps(ROW).encode(), KEY)
    assert caught.value.status == 502 and "Nothing answers" in caught.value.message
    assert KEY not in caught.value.message and KEY not in json.dumps(caught.value.to_dict())
