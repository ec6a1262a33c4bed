"""An online endpoint and its deployments as CLI v2 documents (``load_online_endpoint``/``load_online_deployment``).

Written from our records: the endpoint's name, key auth and description; each
deployment's model as ``azureml:name:version``, an instance type and count
(``Standard_DS3_v2`` x 1 unless the caller says otherwise: Azure needs one, the
local target has none) and, for a model that is not an MLflow model, the
scoring script and the environment it runs in. Traffic is set by the
workflow after the deployments exist (Azure refuses traffic to a deployment
that does not exist yet, so it is not written into ``endpoint.yml``).
"""

from __future__ import annotations

from typing import Any

from ..records import Deployment, Endpoint

ENDPOINT_SCHEMA = "https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json"
DEPLOYMENT_SCHEMA = "https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json"
DEFAULT_INSTANCE_TYPE = "Standard_DS3_v2"


def endpoint_document(endpoint: Endpoint) -> dict[str, Any]:
    document: dict[str, Any] = {"$schema": ENDPOINT_SCHEMA, "name": endpoint.name, "auth_mode": endpoint.auth_mode or "key"}
    if endpoint.description:
        document["description"] = endpoint.description
    return document


def deployment_document(
    deployment: Deployment,
    *,
    instance_type: str = DEFAULT_INSTANCE_TYPE,
    instance_count: int = 1,
    scoring: tuple[str, str] | None = None,
    environment: dict[str, Any] | str | None = None,
) -> dict[str, Any]:
    """``scoring`` is (code folder, script) for a model that needs one, with its ``environment``."""
    model = deployment.model if deployment.model.startswith("azureml:") else f"azureml:{deployment.model}"
    document: dict[str, Any] = {
        "$schema": DEPLOYMENT_SCHEMA,
        "name": deployment.name,
        "endpoint_name": deployment.endpoint,
        "model": model,
    }
    if scoring is not None:
        document["code_configuration"] = {"code": scoring[0], "scoring_script": scoring[1]}
        document["environment"] = environment
    document["instance_type"] = instance_type
    document["instance_count"] = instance_count
    return document
