"""The run token a job receives: azureml-mlflow decodes it as a JWT (a plain string fails) and sends it back."""

from __future__ import annotations

import time

import jwt


def run_token(secret: str, run_id: str, workspace_path: str, tenant_id: str, hours: float = 24.0) -> tuple[str, int]:
    """An HS256 JWT for ``run_id`` and its expiry (epoch seconds)."""
    now = int(time.time())
    expiry = now + int(hours * 3600)
    claims = {
        "iss": "amlx-loopback-azureml", "aud": "amlx-loopback", "iat": now, "nbf": now, "exp": expiry,
        "tid": tenant_id, "runId": run_id, "ws": workspace_path,
    }
    return jwt.encode(claims, secret, algorithm="HS256"), expiry
