"""The Jupyter server extension: configuration as traitlets, one workspace facade, the routes."""

from __future__ import annotations

import os
import sysconfig
import threading
from pathlib import Path

from jupyter_server.extension.application import ExtensionApp
from traitlets import Enum, Integer, Unicode

from .config import TARGETS, AmlxConfig
from .handlers import routes
from .handlers.pools import Pools
from .workspace import Workspace

#: The MLflow variable kernels started by this server inherit (unless the user set it).
TRACKING_URI_ENV = "MLFLOW_TRACKING_URI"


class AmlxApp(ExtensionApp):
    """Serves ``/amlx/api/...`` over one ``Workspace`` shared by all requests.

    Configure with ``c.AmlxApp.workspace_dir``, ``c.AmlxApp.default_target`` and
    ``c.AmlxApp.compute_slots`` (or the ``AMLX_*`` environment variables, which the
    magics and CLI read too).
    """

    name = "amlx_lab"
    load_other_extensions = True

    workspace_dir = Unicode(
        None,
        allow_none=True,
        config=True,
        help="Folder of the embedded local workspace (default: $AMLX_WORKSPACE or ~/.amlx/workspace).",
    )
    default_target = Enum(
        list(TARGETS),
        default_value=None,
        allow_none=True,
        config=True,
        help="Target used when a request names none (default: $AMLX_TARGET, settings.json, else 'local').",
    )
    compute_slots = Integer(
        None,
        allow_none=True,
        config=True,
        help="Local jobs that may run at once (default: the number of CPUs).",
    )

    def initialize_settings(self) -> None:
        _put_scripts_on_path()
        config = AmlxConfig.resolve(
            workspace_dir=self.workspace_dir,
            target=self.default_target,
            compute_slots=self.compute_slots,
        )
        root_dir = Path(getattr(self.serverapp, "root_dir", None) or Path.cwd())
        self.settings["amlx_workspace"] = Workspace(config, search_from=root_dir)
        self.settings["amlx_root_dir"] = root_dir.resolve()
        self.settings["amlx_pools"] = Pools()
        self.log.info("amlx_lab: %s target, workspace %s", config.target, config.workspace_dir)
        self._point_kernels_at_tracking(self.settings["amlx_workspace"])
        # Warm-up (the local MLflow store, deployments a restart stopped) runs off the start-up path.
        threading.Thread(
            target=self._on_server_start, args=(self.settings["amlx_workspace"],), name="amlx-start", daemon=True
        ).start()

    def _point_kernels_at_tracking(self, workspace: Workspace) -> None:
        """Kernels this server starts log MLflow runs to the workspace's tracking store.

        A notebook's own ``mlflow.start_run()`` would otherwise write ``./mlflow.db`` next to
        the notebook, where the sidebar never looks. Kernels inherit the server's environment
        (sessions add ``JPY_SESSION_NAME`` to a copy of it; bare kernels and terminals take it
        as it is), so setting the variable here, once, reaches every kernel and terminal. A
        value the user set is kept.
        """
        self._tracking_uri_set: str | None = None
        if os.environ.get(TRACKING_URI_ENV):
            self.log.info("amlx_lab: kernels keep the %s the server was started with", TRACKING_URI_ENV)
            return
        uri = workspace.kernel_tracking_uri()
        if uri is not None:
            os.environ[TRACKING_URI_ENV] = self._tracking_uri_set = uri
            self.log.info("amlx_lab: notebook kernels log MLflow runs to the workspace (%s)", TRACKING_URI_ENV)

    def _on_server_start(self, workspace: Workspace) -> None:
        try:
            workspace.on_server_start()
        except Exception:  # never let this stop the server; the sidebar's health line reports real problems
            self.log.exception("amlx_lab: the start-up work of a target failed")

    def initialize_handlers(self) -> None:
        self.handlers.extend(routes())

    async def stop_extension(self) -> None:
        if getattr(self, "_tracking_uri_set", None) and os.environ.get(TRACKING_URI_ENV) == self._tracking_uri_set:
            del os.environ[TRACKING_URI_ENV]  # what this server set goes with it (tests run servers in-process)
        workspace: Workspace | None = self.settings.get("amlx_workspace")
        if workspace is not None:
            workspace.close()
        pools: Pools | None = self.settings.get("amlx_pools")
        if pools is not None:
            pools.shutdown()


def _put_scripts_on_path() -> None:
    """This interpreter's scripts folder (where ``amlx`` is) first on the server's PATH, if it is missing.

    A server started as ``.venv/bin/jupyter lab`` without activating the venv
    would otherwise give its terminals and kernels a PATH without ``amlx``.
    """
    scripts = sysconfig.get_path("scripts")
    entries = os.environ.get("PATH", "").split(os.pathsep)
    if scripts and os.path.isdir(scripts) and scripts not in entries:
        os.environ["PATH"] = os.pathsep.join([scripts, *[e for e in entries if e]])
