"""Endpoint and deployment rows in the index, their files, and the records built from both.

The index holds what was asked (endpoint, its fixed port and traffic; each
deployment's model, port and desired state) and what its supervisor last
reported (status, server pid, restarts, last error). The scoring server's own
state and stats files (``amlx_lab.serving``) add the live parts: whether the
pid really is that server, request counts and latency.

The routing file the serving processes re-read is always derived from the
index under a file lock, so concurrent writers (a traffic change, a
supervisor that had to move port) cannot leave an older split behind.
"""

from __future__ import annotations

import json
import socket
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from ...errors import NotFoundError
from ...names import check_endpoint_name
from ...records import Deployment, DeploymentStats, Endpoint, EndpointStatus
from ...serving.atomic import write_json_atomic
from ...serving.launch import is_serving_process
from ...serving.stats import read_stats
from .layout import Layout
from .procs import FileLock
from .store import Store
from ...i18n import _

HOST = "127.0.0.1"
def check_name(name: object, *, kind: str, field: str = "name") -> str:
    """Azure ML's rule for endpoint and deployment names (``names.ENDPOINT_NAME_RE``)."""
    return check_endpoint_name(name, kind=kind, field=field)


@dataclass(frozen=True)
class DeploymentFiles:
    """Where one deployment's scoring server and supervisor keep their files."""

    folder: Path

    @classmethod
    def of(cls, layout: Layout, endpoint: str, name: str) -> DeploymentFiles:
        return cls(layout.deployment_dir(endpoint, name))

    @property
    def state(self) -> Path:
        return self.folder / "state.json"

    @property
    def stats(self) -> Path:
        return self.folder / "stats.json"

    @property
    def server_log(self) -> Path:
        return self.folder / "server.log"

    @property
    def supervisor_log(self) -> Path:
        return self.folder / "supervisor.log"

    @property
    def lock(self) -> Path:
        return self.folder / "supervisor.lock"


# -- ports ------------------------------------------------------------------------------


def free_port(taken: set[int] | frozenset[int] = frozenset()) -> int:
    """A port on 127.0.0.1 nobody listens on now (and that no other endpoint or deployment owns)."""
    for _attempt in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind((HOST, 0))
            port = probe.getsockname()[1]
        if port not in taken:
            return port
    raise OSError("no free port found on 127.0.0.1")


def port_free(port: int) -> bool:
    """Whether a server could bind ``port`` now (with SO_REUSEADDR, as the scoring server does)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def owned_ports(store: Store) -> set[int]:
    rows = store.query("SELECT port FROM endpoints UNION SELECT port FROM deployments")
    return {int(r[0]) for r in rows}


# -- rows ----------------------------------------------------------------------------------


def endpoint_row(store: Store, name: str) -> sqlite3.Row:
    rows = store.query("SELECT * FROM endpoints WHERE name = ?", (name,))
    if not rows:
        raise NotFoundError(_("There is no endpoint named {name!r}.").format(name=name), details={"endpoint": name})
    return rows[0]


def deployment_rows(store: Store, endpoint: str) -> list[sqlite3.Row]:
    return store.query(
        "SELECT * FROM deployments WHERE endpoint = ? AND desired = 'running' ORDER BY created_at, name", (endpoint,)
    )


def deployment_row(store: Store, endpoint: str, name: str) -> sqlite3.Row:
    rows = store.query(
        "SELECT * FROM deployments WHERE endpoint = ? AND name = ? AND desired = 'running'", (endpoint, name)
    )
    if not rows:
        raise NotFoundError(
            _("Endpoint {endpoint} has no deployment named {name!r}.").format(
                endpoint=endpoint, name=name), details={"endpoint": endpoint, "deployment": name}
        )
    return rows[0]


def update_deployment(store: Store, endpoint: str, name: str, changes: dict[str, object], *, only_running: bool = True) -> bool:
    """Change one deployment row; by default only while it is still wanted (a deleted one stays deleted)."""
    columns = ", ".join(f"{key} = ?" for key in changes)
    sql = f"UPDATE deployments SET {columns} WHERE endpoint = ? AND name = ?"
    if only_running:
        sql += " AND desired = 'running'"
    with store.write() as tx:
        return tx.execute(sql, [*changes.values(), endpoint, name]).rowcount > 0


def traffic_of(row: sqlite3.Row) -> dict[str, int]:
    return {str(k): int(v) for k, v in json.loads(row["traffic"]).items()}


# -- routing ----------------------------------------------------------------------------------


def blend(current: dict[str, int], name: str, share: int) -> dict[str, int]:
    """Give ``name`` ``share`` percent, scaling the others down so the total stays 100 (largest remainders)."""
    others = {k: v for k, v in current.items() if k != name and v > 0}
    total = sum(others.values())
    result = dict.fromkeys(current, 0)
    result[name] = share
    if not total:
        return result
    room = 100 - share
    exact = {k: v * room / total for k, v in others.items()}
    floors = {k: int(v) for k, v in exact.items()}
    left = room - sum(floors.values())
    for k in sorted(exact, key=lambda k: (floors[k] - exact[k], k))[:left]:
        floors[k] += 1
    result.update(floors)
    return result


def apply_requested_traffic(store: Store, layout: Layout, endpoint: str, name: str) -> bool:
    """Give a deployment that just became ready the traffic asked for at creation (once); ``True`` if it changed.

    Creation returns before the server is ready, so the share waits in the
    row until the deployment's supervisor sees the first successful start.
    """
    with store.write() as tx:
        row = tx.execute(
            "SELECT requested_traffic, requested_alone FROM deployments WHERE endpoint = ? AND name = ?", (endpoint, name)
        ).fetchone()
        if row is None or row["requested_traffic"] is None:
            return False
        ep = tx.execute("SELECT traffic FROM endpoints WHERE name = ?", (endpoint,)).fetchone()
        share = int(row["requested_traffic"])
        new = {name: share} if row["requested_alone"] else blend(traffic_of(ep), name, share)
        tx.execute("UPDATE endpoints SET traffic = ? WHERE name = ?", (json.dumps(new), endpoint))
        tx.execute(
            "UPDATE deployments SET requested_traffic = NULL WHERE endpoint = ? AND name = ?", (endpoint, name)
        )
    write_routing(store, layout, endpoint)
    return True


def write_routing(store: Store, layout: Layout, endpoint: str) -> None:
    """Rewrite the endpoint's routing file from the index (atomically; serving processes re-read it)."""
    folder = layout.endpoint_dir(endpoint)
    if not folder.is_dir():
        return
    with FileLock(folder / "routing.lock"):
        rows = store.query("SELECT traffic FROM endpoints WHERE name = ?", (endpoint,))
        if not rows:
            return
        deployments = {r["name"]: {"port": int(r["port"])} for r in deployment_rows(store, endpoint)}
        traffic = {k: v for k, v in traffic_of(rows[0]).items() if k in deployments}
        write_json_atomic(
            layout.endpoint_routing(endpoint),
            {"endpoint": endpoint, "traffic": traffic, "deployments": deployments},
        )


# -- records ----------------------------------------------------------------------------------


def stats_of(path: Path) -> DeploymentStats | None:
    """Requests and latency from the server's stats file: the recent window, or all time after a restart."""
    data = read_stats(path)
    if data is None:
        return None
    latency = data.get("latency_ms") or {}
    window = latency.get("recent") or {}
    if not window.get("count"):
        window = latency.get("all") or {}
    return DeploymentStats(
        requests=int(data.get("requests") or 0),
        errors=int(data.get("errors") or 0),
        p50_ms=window.get("p50"),
        p99_ms=window.get("p99"),
    )


def deployment_record(row: sqlite3.Row, layout: Layout) -> Deployment:
    """The deployment as the API shows it; a server that is gone is never reported Succeeded."""
    files = DeploymentFiles.of(layout, row["endpoint"], row["name"])
    pid = row["server_pid"]
    alive = bool(pid) and is_serving_process(pid, files.state)
    status = row["status"]
    if status == "Succeeded" and not alive:
        status = "Restarting"  # its supervisor (or the next reconcile) brings it back
    port = row["port"]
    return Deployment(
        name=row["name"],
        endpoint=row["endpoint"],
        model=f"{row['model_name']}:{row['model_version']}",
        status=status,
        deployment_uri=f"http://{HOST}:{port}/score" if port else None,
        restarts=row["restarts"],
        last_error=row["last_error"],
        started_at=row["started_at"],
        stats=stats_of(files.stats),
        score_script=Path(row["score_script"]).name if row["score_script"] else None,
        created_at=row["created_at"],
    )


def scoring_uri(port: int) -> str:
    return f"http://{HOST}:{port}/score"


def endpoint_record(store: Store, layout: Layout, row: sqlite3.Row) -> Endpoint:
    deployments = tuple(deployment_record(r, layout) for r in deployment_rows(store, row["name"]))
    traffic = traffic_of(row)
    status: EndpointStatus
    if row["deleting"]:
        status = "Deleting"
    elif any(d.status == "Creating" for d in deployments):
        status = "Updating"
    else:
        status = "Succeeded"
    return Endpoint(
        name=row["name"],
        auth_mode=row["auth_mode"],
        description=row["description"],
        scoring_uri=scoring_uri(row["port"]),
        status=status,
        traffic={d.name: traffic.get(d.name, 0) for d in deployments},
        deployments=deployments,
        created_at=row["created_at"],
    )
