"""The environment variables a job process gets, named as Azure ML names them in a job container."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlparse

from ..config import EmulatorConfig

# Variables of the emulator's own process that must not leak into a job (a job sees only what Azure sets).
_NOT_INHERITED_PREFIXES = ("MLFLOW_", "AZUREML_", "AZURE_", "_MLFLOW_", "AMLX_EMULATOR_")
_NOT_INHERITED = {"PYTHONPATH", "ARM_CLOUD_METADATA_URL", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"}
GUARD_LOG_VAR = "AMLX_SOCKET_GUARD_LOG"


def job_environment(
    config: EmulatorConfig, base_url: str, ca_bundle: Path, run_id: str, experiment_name: str, experiment_id: str,
    token: str, token_expiry: int, user_variables: dict[str, str], guard_dir: Path | None,
) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items()
        if k not in _NOT_INHERITED and not k.startswith(_NOT_INHERITED_PREFIXES)
    }
    # Environments are recorded, not built: `python` is the interpreter running the emulator.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    host = urlparse(base_url).netloc
    ws = config.workspace_path
    env.update({
        "MLFLOW_TRACKING_URI": f"azureml://{host}/mlflow/v1.0{ws}",
        "MLFLOW_TRACKING_TOKEN": token,
        "MLFLOW_RUN_ID": run_id,
        "MLFLOW_EXPERIMENT_ID": experiment_id,
        "MLFLOW_EXPERIMENT_NAME": experiment_name,
        "AZUREML_RUN_ID": run_id,
        "AZUREML_RUN_TOKEN": token,
        "AZUREML_RUN_TOKEN_EXPIRY": str(token_expiry),
        "AZUREML_ARM_SUBSCRIPTION": config.subscription_id,
        "AZUREML_ARM_RESOURCEGROUP": config.resource_group,
        "AZUREML_ARM_WORKSPACE_NAME": config.workspace_name,
        "AZUREML_ARM_PROJECT_NAME": experiment_name,
        "AZUREML_EXPERIMENT_ID": experiment_id,
        "AZUREML_SERVICE_ENDPOINT": base_url,
        "AZUREML_DISCOVERY_SERVICE_ENDPOINT": f"{base_url}/discovery",
        # A cloud azureml-mlflow knows without fetching ARM metadata (the run token needs no endpoints).
        "AZUREML_CURRENT_CLOUD": "AzureCloud",
        # Loopback only: the job trusts the emulator's self-signed certificate.
        "REQUESTS_CA_BUNDLE": str(ca_bundle),
        "PYTHONUNBUFFERED": "1",
    })
    if guard_dir is not None and os.environ.get(GUARD_LOG_VAR):
        env[GUARD_LOG_VAR] = os.environ[GUARD_LOG_VAR]
        env["PYTHONPATH"] = str(guard_dir)
    env.update({str(k): str(v) for k, v in user_variables.items()})
    return env
