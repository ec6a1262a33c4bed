"""One connection per workspace: the credential, one ``MLClient``, our REST pipeline, and the workspace's facts.

Everything is created on first use (azure-ai-ml takes about 1.7 s to import)
and reused by every request after that; all of it is thread-safe, since the
REST handlers call the backend from a thread pool, never on the event loop.
The workspace's own facts (region, MLflow tracking URI, the discovery URL of
its regional services) come from one ARM GET of the workspace, cached.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from ...config import AzureSettings
from . import credentials, failures
from .clouds import Cloud, cloud_of
from .quiet import configure_logging
from .rest import RETRY, USER_AGENT, Rest

WORKSPACE_API_VERSION = "2024-10-01"
FACTS_TTL_S = 600.0  # region, URLs: they change only if the workspace is re-created
PROVIDER = "Microsoft.MachineLearningServices"


@dataclass(frozen=True)
class WorkspaceFacts:
    """What one GET of the workspace resource (and of its discovery document) says."""

    name: str
    region: str | None
    tracking_uri: str | None  # azureml://<host>/mlflow/v1.0/<workspace path>
    discovery_url: str | None
    api_url: str | None  # the regional services' base (run history)
    studio_url: str

    @property
    def mlflow_api(self) -> str | None:
        """The MLflow REST base for the tracking URI (``https://<host>/mlflow/v2.0/<workspace path>/api/2.0/mlflow``).

        azureml-mlflow reaches the same place: the workspace hands out ``v1.0``
        and MLflow 2+ clients talk ``v2.0``.
        """
        if not self.tracking_uri:
            return None
        parsed = urlparse(self.tracking_uri)
        path = parsed.path
        for version in ("/mlflow/v1.0/", "/mlflow/v2.0/"):
            if path.startswith(version):
                path = path[len(version) - 1 :]
                break
        return f"https://{parsed.netloc}/mlflow/v2.0{path}/api/2.0/mlflow"


class Connection:
    """The live link to one Azure ML workspace (coordinates resolved, nothing contacted until first use)."""

    def __init__(self, settings: AzureSettings, *, credential: Any = None) -> None:
        assert settings.complete, "a connection needs the workspace coordinates"
        self.settings = settings
        self.cloud: Cloud = cloud_of(settings)
        self.workspace_name = str(settings.workspace_name)
        self.workspace_path = (
            f"/subscriptions/{settings.subscription_id}/resourceGroups/{settings.resource_group}"
            f"/providers/{PROVIDER}/workspaces/{settings.workspace_name}"
        )
        self._credential = credential
        self._ml: Any = None
        self._rest: Rest | None = None
        self._facts: WorkspaceFacts | None = None
        self._facts_at = 0.0
        self._lock = threading.RLock()
        self.prompt: str | None = None  # a device-code sign-in's instruction, while one is pending

    # -- the clients ---------------------------------------------------------------------------

    @property
    def credential(self) -> Any:
        with self._lock:
            if self._credential is None:
                configure_logging()
                self._credential = credentials.build(self.settings, self.cloud, self._on_prompt)
            return self._credential

    def _on_prompt(self, message: str) -> None:
        self.prompt = message

    @property
    def ml(self) -> Any:
        """The workspace's ``MLClient`` (created once; construction makes no network call)."""
        with self._lock:
            if self._ml is None:
                configure_logging(sdk=True)
                from azure.ai.ml import MLClient

                s = self.settings
                self._ml = MLClient(
                    self.credential,
                    subscription_id=s.subscription_id,
                    resource_group_name=s.resource_group,
                    workspace_name=s.workspace_name,
                    enable_telemetry=False,
                    show_progress=False,
                    user_agent=USER_AGENT,
                    retry_total=RETRY["retry_total"],
                    retry_backoff_factor=RETRY["retry_backoff_factor"],
                    retry_backoff_max=RETRY["retry_backoff_max"],
                    **self.cloud.mlclient_kwargs(),
                )
            return self._ml

    @property
    def rest(self) -> Rest:
        with self._lock:
            if self._rest is None:
                configure_logging()
                self._rest = Rest(self.credential, self.cloud.arm_scope)
            return self._rest

    def arm_url(self, suffix: str = "") -> str:
        return self.cloud.resource_manager.rstrip("/") + self.workspace_path + suffix

    # -- errors ----------------------------------------------------------------------------------

    @contextmanager
    def translated(self, not_found: failures.NotFound | None = None) -> Iterator[None]:
        """SDK and REST calls inside come out as typed errors with sentences (see ``failures.py``)."""
        with failures.translated(
            sign_in_hint=credentials.sign_in_hint(self.settings),
            workspace=self.workspace_name,
            not_found=not_found,
            workspace_missing=self.workspace_missing,
        ):
            yield

    def workspace_missing(self) -> bool:
        """Whether the workspace itself is gone (so a 404 means that, not a missing job)."""
        from azure.core.exceptions import HttpResponseError

        try:
            self.facts()
        except HttpResponseError as exc:
            return exc.status_code == 404
        except Exception:  # noqa: BLE001 - unknown: let the caller's own 404 stand
            return False
        return False

    # -- the workspace resource --------------------------------------------------------------------

    def facts(self, *, refresh: bool = False, read_timeout: float | None = None) -> WorkspaceFacts:
        """Region, tracking URI and service URLs (one ARM GET and one discovery GET, cached)."""
        with self._lock:
            fresh = self._facts is not None and time.monotonic() - self._facts_at < FACTS_TTL_S
            if fresh and not refresh:
                assert self._facts is not None
                return self._facts
        kwargs: dict[str, Any] = {"read_timeout": read_timeout} if read_timeout else {}
        body = self.rest.json("GET", self.arm_url(), params={"api-version": WORKSPACE_API_VERSION}, **kwargs)
        props = body.get("properties") or {}
        discovery = props.get("discoveryUrl")
        api_url = None
        if discovery:
            services = self.rest.json("GET", discovery, **kwargs) or {}
            api_url = services.get("api") or services.get("history")
        facts = WorkspaceFacts(
            name=body.get("name") or self.workspace_name,
            region=body.get("location"),
            tracking_uri=props.get("mlFlowTrackingUri"),
            discovery_url=discovery,
            api_url=api_url.rstrip("/") if api_url else None,
            studio_url=self.studio_url(),
        )
        with self._lock:
            self._facts, self._facts_at = facts, time.monotonic()
        return facts

    def studio_url(self, tenant: str | None = None) -> str:
        tail = f"&tid={tenant}" if tenant else ""
        return f"{self.cloud.studio}?wsid={self.workspace_path}{tail}"

    def close(self) -> None:
        with self._lock:
            if self._rest is not None:
                self._rest.close()
                self._rest = None
            if self._ml is not None:
                self._ml = None
            closer = getattr(self._credential, "close", None)
            if callable(closer):
                try:
                    closer()
                except Exception:  # noqa: BLE001 - closing is best effort
                    pass
