"""GitHub Actions workflows that run an export with the Azure ML CLI (``az ml``).

Sign-in is OpenID Connect through ``azure/login`` (no secret stored: the
repository's secrets hold only the app's client, tenant and subscription ids),
and the workspace comes from repository variables, so the same file works
for any workspace. The job workflow submits ``job.yml``, streams it until it
ends, fails unless it completed, and, when asked, registers its model and
deploys it to an online endpoint; the endpoint workflow creates the endpoint,
its deployments and the traffic split.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .yamltext import dump

LOGIN_ACTION = "azure/login@v2"
CHECKOUT_ACTION = "actions/checkout@v4"
_WORKSPACE_ARGS = '--resource-group "$AZURE_RESOURCE_GROUP" --workspace-name "$AZURE_ML_WORKSPACE"'

HEADER = """\
# Written by amlx-lab. To use it: commit this folder, copy this file to .github/workflows/,
# set EXPORT_DIR below to this folder's path from the repository root, add the secrets
# AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_SUBSCRIPTION_ID of an app with a federated
# credential for this repository (OpenID Connect: no password is stored), and the variables
# AZURE_RESOURCE_GROUP and AZURE_ML_WORKSPACE.
"""


@dataclass(frozen=True)
class ModelSource:
    """What of a finished job becomes the model: ``mlflow_model`` and a folder, or ``custom_model`` and a file."""

    type: str
    path: str  # relative to the job's artifacts: "model" or "outputs/model.pkl"


def job_workflow(
    *, name: str, export_dir: str, job_file: str, deployment_file: str, model: ModelSource, sweep: bool = False
) -> str:
    """Submit ``job_file``, wait for it, and optionally register its model (a sweep's: its best trial's) and deploy it."""
    submit = (
        f'name=$(az ml job create --file "{job_file}" {_WORKSPACE_ARGS} --query name --output tsv)\n'
        'echo "Submitted $name"\n'
        'echo "job_name=$name" >> "$GITHUB_OUTPUT"\n'
    )
    wait = (
        f'az ml job stream --name "$JOB_NAME" {_WORKSPACE_ARGS}\n'
        f'status=$(az ml job show --name "$JOB_NAME" {_WORKSPACE_ARGS} --query status --output tsv)\n'
        'echo "Job $JOB_NAME ended: $status"\n'
        'test "$status" = "Completed"\n'
    )
    best = (
        # a sweep's model is its best trial's, which the service names in the sweep's properties
        f'JOB_NAME=$(az ml job show --name "$JOB_NAME" {_WORKSPACE_ARGS} --query properties.best_child_run_id --output tsv)\n'
        'echo "Best trial: $JOB_NAME"\n'
    ) if sweep else ""
    register = best + (
        'version=$(az ml model create --name "$MODEL_NAME" --type "$MODEL_TYPE" '
        f'--path "azureml://jobs/$JOB_NAME/outputs/artifacts/paths/$MODEL_PATH" {_WORKSPACE_ARGS} '
        "--query version --output tsv)\n"
        'echo "Registered $MODEL_NAME:$version"\n'
        'echo "model_version=$version" >> "$GITHUB_OUTPUT"\n'
    )
    deploy = (
        f'if ! az ml online-endpoint show --name "$ENDPOINT_NAME" {_WORKSPACE_ARGS} > /dev/null 2>&1; then\n'
        f'  az ml online-endpoint create --name "$ENDPOINT_NAME" --auth-mode key {_WORKSPACE_ARGS}\n'
        "fi\n"
        f'az ml online-deployment create --file "{deployment_file}" --all-traffic {_WORKSPACE_ARGS} '
        '--set endpoint_name="$ENDPOINT_NAME" model="azureml:$MODEL_NAME:$MODEL_VERSION" instance_type="$INSTANCE_TYPE"\n'
    )
    document: dict[str, Any] = {
        "name": f"amlx {name}",
        "on": {
            "workflow_dispatch": {
                "inputs": {
                    "register_model": {"description": "Register the job's model when it completes", "type": "boolean",
                                       "default": False},
                    "deploy": {"description": "Deploy the registered model to an online endpoint (needs register_model)",
                               "type": "boolean", "default": False},
                    "model_name": {"description": "Name of the registered model", "type": "string", "default": name},
                    "endpoint_name": {"description": "Online endpoint to deploy to", "type": "string",
                                      "default": endpoint_name(name)},
                }
            }
        },
        "permissions": {"id-token": "write", "contents": "read"},
        "env": _environment(export_dir),
        "jobs": {
            "train": {
                "runs-on": "ubuntu-latest",
                "outputs": {"job_name": "${{ steps.submit.outputs.job_name }}"},
                "steps": [
                    *_sign_in(),
                    {"name": "Submit the job", "id": "submit", "working-directory": "${{ env.EXPORT_DIR }}", "run": submit},
                    {"name": "Wait for the job to end", "env": {"JOB_NAME": "${{ steps.submit.outputs.job_name }}"},
                     "run": wait},
                ],
            },
            "register": {
                "needs": "train",
                "if": "${{ inputs.register_model }}",
                "runs-on": "ubuntu-latest",
                "outputs": {"model_version": "${{ steps.model.outputs.model_version }}"},
                "steps": [
                    *_sign_in(checkout=False),
                    {"name": "Register the model", "id": "model", "env": {
                        "JOB_NAME": "${{ needs.train.outputs.job_name }}", "MODEL_NAME": "${{ inputs.model_name }}",
                        "MODEL_TYPE": model.type, "MODEL_PATH": model.path,
                    }, "run": register},
                ],
            },
            "deploy": {
                "needs": "register",
                "if": "${{ inputs.deploy }}",
                "runs-on": "ubuntu-latest",
                "steps": [
                    *_sign_in(),
                    {"name": "Deploy with all traffic", "working-directory": "${{ env.EXPORT_DIR }}", "env": {
                        "MODEL_NAME": "${{ inputs.model_name }}",
                        "MODEL_VERSION": "${{ needs.register.outputs.model_version }}",
                        "ENDPOINT_NAME": "${{ inputs.endpoint_name }}", "DEPLOYMENT_NAME": "blue",
                        "INSTANCE_TYPE": "Standard_DS3_v2",
                    }, "run": deploy},
                ],
            },
        },
    }
    return dump(document, header=HEADER)


def endpoint_workflow(*, name: str, export_dir: str, endpoint_file: str, deployment_files: Sequence[str],
                      traffic: dict[str, int]) -> str:
    """Create or update the endpoint, each deployment, then the traffic split it had."""
    script = f'az ml online-endpoint create --file "{endpoint_file}" {_WORKSPACE_ARGS} || ' \
             f'az ml online-endpoint update --file "{endpoint_file}" {_WORKSPACE_ARGS}\n'
    for path in deployment_files:
        script += (f'az ml online-deployment create --file "{path}" {_WORKSPACE_ARGS} || '
                   f'az ml online-deployment update --file "{path}" {_WORKSPACE_ARGS}\n')
    if traffic:
        split = " ".join(f"{k}={v}" for k, v in sorted(traffic.items()))
        script += f'az ml online-endpoint update --name "{name}" --traffic "{split}" {_WORKSPACE_ARGS}\n'
    document: dict[str, Any] = {
        "name": f"amlx endpoint {name}",
        "on": {"workflow_dispatch": {}},
        "permissions": {"id-token": "write", "contents": "read"},
        "env": _environment(export_dir),
        "jobs": {
            "deploy": {
                "runs-on": "ubuntu-latest",
                "steps": [
                    *_sign_in(),
                    {"name": "Create the endpoint and its deployments", "working-directory": "${{ env.EXPORT_DIR }}",
                     "run": script},
                ],
            }
        },
    }
    return dump(document, header=HEADER)


def endpoint_name(job: str) -> str:
    """A default endpoint name for a job: Azure's rule is 3-32 letters, digits and hyphens, starting with a letter."""
    text = re.sub(r"[^A-Za-z0-9-]+", "-", job).strip("-")[:29].rstrip("-")
    if not text[:1].isalpha():
        text = ("ep-" + text)[:29].rstrip("-")
    return f"{text}-ep"


def _environment(export_dir: str) -> dict[str, str]:
    return {
        "EXPORT_DIR": export_dir,
        "AZURE_RESOURCE_GROUP": "${{ vars.AZURE_RESOURCE_GROUP }}",
        "AZURE_ML_WORKSPACE": "${{ vars.AZURE_ML_WORKSPACE }}",
    }


def _sign_in(*, checkout: bool = True) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = [{"uses": CHECKOUT_ACTION}] if checkout else []
    steps += [
        {"name": "Sign in to Azure (OpenID Connect)", "uses": LOGIN_ACTION, "with": {
            "client-id": "${{ secrets.AZURE_CLIENT_ID }}",
            "tenant-id": "${{ secrets.AZURE_TENANT_ID }}",
            "subscription-id": "${{ secrets.AZURE_SUBSCRIPTION_ID }}",
        }},
        {"name": "Add the Azure ML CLI", "run": "az extension add --name ml --upgrade --yes"},
    ]
    return steps
