"""Blue/green: two deployment processes behind one endpoint port, weighted split and header pinning."""

from __future__ import annotations

import http.client
import json
import os
import signal
from collections import Counter

import pytest

from amlx_lab.serving import is_alive, read_state
from amlx_lab.serving.atomic import write_json_atomic

from .helpers import free_port, request, score, wait_for

ROW = {"data": [[0.03] * 10]}


def _served_by(endpoint_port: int, n: int, headers: dict[str, str] | None = None) -> Counter:
    """Send n requests to the endpoint port over one keep-alive connection; count who answered."""
    seen: Counter = Counter()
    conn = http.client.HTTPConnection("127.0.0.1", endpoint_port, timeout=10)
    try:
        for _ in range(n):
            reply = request(endpoint_port, body=ROW, headers=headers, conn=conn)
            assert reply.status == 200, reply
            seen[reply.headers["azureml-model-deployment"]] += 1
    finally:
        conn.close()
    return seen


@pytest.fixture(scope="module")
def endpoint(servers, models, key_file, tmp_path_factory):
    folder = tmp_path_factory.mktemp("endpoint")
    routing = folder / "routing.json"
    write_json_atomic(routing, {"endpoint": "ep", "traffic": {"blue": 100}, "deployments": {}})
    ep_port = free_port()
    common = {"key_file": key_file, "routing_file": routing, "endpoint_port": ep_port}
    blue, green = servers.start_many(
        [
            ("blue", {"model": models.pkl, "deployment": "blue", **common}),
            ("green", {"model": models.skops, "deployment": "green", **common}),
        ]
    )
    return {"routing": routing, "port": ep_port, "blue": blue, "green": green, "servers": servers, "common": common,
            "models": models}


def _set_traffic(ep, blue: int, green: int) -> None:
    write_json_atomic(
        ep["routing"],
        {"endpoint": "ep", "traffic": {"blue": blue, "green": green},
         "deployments": {"blue": {"port": ep["blue"].port}, "green": {"port": ep["green"].port}}},
    )


def test_single_deployment_holds_the_endpoint_port_without_a_hop(endpoint):
    assert endpoint["blue"].state["endpoint_listening"] is True
    assert endpoint["green"].state["endpoint_listening"] is False
    assert endpoint["blue"].scoring_uri == f"http://127.0.0.1:{endpoint['port']}/score"
    assert _served_by(endpoint["port"], 20) == Counter({"blue": 20})
    stats = request(endpoint["blue"].port, "GET", "/stats").json()
    assert stats["forwarded"] == {}


def test_ninety_ten_split(endpoint):
    _set_traffic(endpoint, 90, 10)
    seen = _served_by(endpoint["port"], 400)
    assert seen["blue"] + seen["green"] == 400
    assert 12 <= seen["green"] <= 80, seen  # expected 40; binomial sd ~6
    blue_stats = request(endpoint["blue"].port, "GET", "/stats").json()
    assert blue_stats["forwarded"]["green"] == seen["green"]
    green_stats = request(endpoint["green"].port, "GET", "/stats").json()
    assert green_stats["requests"] == seen["green"]  # the sibling counts what it scored


def test_header_pins_a_deployment(endpoint):
    assert _served_by(endpoint["port"], 15, {"azureml-model-deployment": "green"}) == Counter({"green": 15})
    assert _served_by(endpoint["port"], 15, {"azureml-model-deployment": "blue"}) == Counter({"blue": 15})
    reply = score(endpoint["port"], ROW, headers={"azureml-model-deployment": "purple"})
    assert reply.status == 404 and "purple" in reply.error["message"]
    # A deployment's own port scores locally whatever the header says.
    reply = score(endpoint["green"].port, ROW, headers={"azureml-model-deployment": "blue"})
    assert reply.headers["azureml-model-deployment"] == "green"
    # The key is checked at the front too.
    assert score(endpoint["port"], ROW, key=None, headers={"azureml-model-deployment": "green"}).status == 401


def test_sibling_down_pinned_gets_502_unpinned_is_absorbed(endpoint):
    green = endpoint["green"]
    os.kill(green.pid, signal.SIGKILL)
    wait_for(lambda: not is_alive(green.pid), what="green to die")
    reply = score(endpoint["port"], ROW, headers={"azureml-model-deployment": "green"})
    assert reply.status == 502 and reply.error["code"] == "deployment_unavailable"
    assert _served_by(endpoint["port"], 100) == Counter({"blue": 100})
    stats = request(endpoint["blue"].port, "GET", "/stats").json()
    assert stats["forward_errors"]["green"] >= 2


def test_restarted_sibling_on_its_port_then_traffic_flip_moves_the_endpoint_port(endpoint):
    old = endpoint["green"]
    green = endpoint["servers"].start(
        "green", model=endpoint["models"].skops, deployment="green", port=old.port, **endpoint["common"]
    )
    endpoint["green"] = green
    assert _served_by(endpoint["port"], 20, {"azureml-model-deployment": "green"}) == Counter({"green": 20})

    _set_traffic(endpoint, 10, 90)
    blue_state = endpoint["blue"].state
    wait_for(
        lambda: _state(endpoint, "green").get("endpoint_listening") and not _state(endpoint, "blue").get("endpoint_listening"),
        timeout=10,
        what="the endpoint port to move from blue to green",
    )
    seen = _served_by(endpoint["port"], 300)
    assert seen["green"] >= 220, seen  # expected 270
    green_stats = request(green.port, "GET", "/stats").json()
    assert green_stats["forwarded"].get("blue", 0) == seen["blue"]
    assert blue_state["endpoint_port"] == endpoint["port"]


def _state(endpoint, name):
    folder = endpoint["servers"].root / name
    return read_state(folder / "state.json") or {}


def test_routing_file_is_plain_json(endpoint):
    data = json.loads(endpoint["routing"].read_text())
    assert set(data) == {"endpoint", "traffic", "deployments"}
