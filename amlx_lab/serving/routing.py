"""Blue/green traffic split between the deployments of one endpoint.

Design (each deployment is its own process on its own private port):

* The endpoint's port (``scoring_uri``) is bound by the deployment with the
  largest traffic share, the **front** (ties: the first name in sort order).
  With one deployment there is nothing else: requests are scored in-process,
  no hop.
* The front picks a deployment for each request, weighted by the shares, or
  the one named by the ``azureml-model-deployment`` header (as in Azure, a
  pinned request may reach a deployment with 0 % traffic: that is how a new
  deployment is tried before traffic moves). Requests for a sibling are
  forwarded over loopback keep-alive connections to its private port, where
  they are scored without further routing. If the sibling is down (crashed,
  being restarted), an unpinned request is scored by the front instead; a
  pinned one gets 502.
* Every process reads the same routing file and re-reads it when it changes.
  When the front changes, the new front binds the endpoint port too
  (``SO_REUSEPORT``: both may hold it for a moment, and either routes
  correctly since both apply the same shares); the old front lets go about a
  second later. No process restarts, no refused connections.

Routing file (written atomically by the lifecycle)::

    {"endpoint": "titanic",
     "traffic": {"blue": 90, "green": 10},
     "deployments": {"blue": {"port": 50211}, "green": {"port": 50212}}}

Deployments without a port cannot receive forwarded traffic (a 502 names them).
"""

from __future__ import annotations

import bisect
import os
import random
from dataclasses import dataclass, field
from typing import Any

from .atomic import read_json

DEPLOYMENT_HEADER = "azureml-model-deployment"


class RoutingError(ValueError):
    """The routing file is malformed (message says where)."""


@dataclass(frozen=True)
class Routing:
    endpoint: str | None
    traffic: dict[str, float]
    ports: dict[str, int]
    _cumulative: tuple[float, ...] = field(default=(), repr=False)
    _names: tuple[str, ...] = field(default=(), repr=False)

    @classmethod
    def parse(cls, data: Any) -> Routing:
        if not isinstance(data, dict):
            raise RoutingError("the routing file must hold a JSON object")
        traffic_raw = data.get("traffic") or {}
        deployments = data.get("deployments") or {}
        if not isinstance(traffic_raw, dict) or not isinstance(deployments, dict):
            raise RoutingError("'traffic' and 'deployments' must be objects keyed by deployment name")
        traffic: dict[str, float] = {}
        for name, share in traffic_raw.items():
            if not isinstance(share, (int, float)) or isinstance(share, bool) or share < 0:
                raise RoutingError(f"traffic for {name!r} must be a number >= 0")
            traffic[str(name)] = float(share)
        ports: dict[str, int] = {}
        for name, info in deployments.items():
            port = info.get("port") if isinstance(info, dict) else None
            if isinstance(port, int) and 0 < port < 65536:
                ports[str(name)] = port
        names = tuple(sorted(n for n, s in traffic.items() if s > 0))
        running = 0.0
        cumulative = []
        for n in names:
            running += traffic[n]
            cumulative.append(running)
        endpoint = data.get("endpoint")
        return cls(str(endpoint) if endpoint else None, traffic, ports, tuple(cumulative), names)

    @property
    def known(self) -> set[str]:
        return set(self.traffic) | set(self.ports)

    def front(self) -> str | None:
        """The deployment that should hold the endpoint port."""
        if self._names:
            return min(self._names, key=lambda n: (-self.traffic[n], n))
        known = sorted(self.known)
        return known[0] if known else None

    def choose(self, pinned: str | None, rnd: float | None = None) -> str | None:
        """The deployment for one request (None when no deployment has traffic)."""
        if pinned:
            return pinned
        if not self._names:
            return None
        if len(self._names) == 1:
            return self._names[0]
        x = (random.random() if rnd is None else rnd) * self._cumulative[-1]
        return self._names[min(bisect.bisect_right(self._cumulative, x), len(self._names) - 1)]


class RoutingFile:
    """A routing file re-read when its mtime/inode/size changes; keeps the last good version."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        self.current: Routing | None = None
        self.last_error: str | None = None
        self._ident: tuple[int, int, int] | None = None
        self.refresh()

    def refresh(self) -> Routing | None:
        try:
            st = os.stat(self.path)
        except OSError:
            if self._ident is not None:
                self._ident = None
                self.current = None  # file removed: back to single-deployment behaviour
            return self.current
        ident = (st.st_mtime_ns, st.st_ino, st.st_size)
        if ident == self._ident:
            return self.current
        data = read_json(self.path)
        try:
            self.current = Routing.parse(data)
            self.last_error = None
            self._ident = ident
        except RoutingError as exc:
            self.last_error = str(exc)
        return self.current
