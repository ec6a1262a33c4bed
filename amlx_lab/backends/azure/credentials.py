"""The credential the Azure target signs in with, and what to tell a person when sign-in fails.

``azure.credential`` in the settings picks one of azure-identity's credentials:

==========================  ======================================================
``default`` (or unset)      ``DefaultAzureCredential``: environment, workload and
                            managed identity, Azure CLI, ... (no browser prompt)
``cli``                     ``AzureCliCredential`` (after ``az login``)
``managed_identity``        ``ManagedIdentityCredential`` (``client_id`` for a
                            user-assigned identity)
``environment``             ``EnvironmentCredential``: a service principal from
                            ``AZURE_TENANT_ID``/``AZURE_CLIENT_ID``/``AZURE_CLIENT_SECRET``
``interactive_browser``     ``InteractiveBrowserCredential`` (a browser on the
                            machine that runs the server)
``device_code``             ``DeviceCodeCredential``: the code to enter shows in the
                            workspace header (the prompt goes to ``on_prompt``)
==========================  ======================================================

Any other name is looked up in the ``amlx_lab.azure_credentials`` entry-point
group: a plugin maps it to a factory ``(AzureSettings) -> TokenCredential``.
That is how an organisation adds a credential of its own, and how the test
suite hands the backend its loopback credential (a distribution on the test
processes' path registers ``loopback``). Nothing is honoured unless a package
that provides it is installed, so there is no switch a production server could
trip over by accident.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ...config import AZURE_CREDENTIALS, AzureSettings
from ...errors import ValidationError
from ...i18n import _
from .clouds import Cloud

ENTRY_POINT_GROUP = "amlx_lab.azure_credentials"

#: One sentence per credential saying what to do when it cannot sign in.
SIGN_IN_HINTS = {
    "default": (
        "Could not sign in to Azure: run 'az login' where the Jupyter server runs (or set AZURE_TENANT_ID, "
        "AZURE_CLIENT_ID and AZURE_CLIENT_SECRET for a service principal), then try again."
    ),
    "cli": "Could not sign in with the Azure CLI: run 'az login' (and 'az account set --subscription <id>'), "
           "then try again.",
    "managed_identity": (
        "Could not get a managed identity token: that only works on an Azure VM or service with an identity "
        "assigned; choose another credential under \"azure\" in the workspace settings."
    ),
    "environment": (
        "Could not sign in with a service principal: set AZURE_TENANT_ID, AZURE_CLIENT_ID and "
        "AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH) for the Jupyter server, then restart it."
    ),
    "interactive_browser": (
        "Could not sign in through the browser: finish the sign-in in the window that opened on the machine "
        "running the server, or choose the cli or device_code credential."
    ),
    "device_code": "Could not sign in with a device code: enter the code shown in the workspace header at the "
                   "address given, then try again.",
}


def kind_of(settings: AzureSettings) -> str:
    return settings.credential or "default"


def sign_in_hint(settings: AzureSettings) -> str:
    kind = kind_of(settings)
    return SIGN_IN_HINTS.get(
        kind, f"Could not sign in with the {kind!r} credential plugin: check its own configuration, then try again."
    )


def build(settings: AzureSettings, cloud: Cloud, on_prompt: Callable[[str], None]) -> Any:
    """A token credential for ``settings`` (azure-identity imported here, not before)."""
    kind = kind_of(settings)
    if kind not in AZURE_CREDENTIALS:
        return _plugin(kind, settings)
    from azure import identity

    authority = cloud.active_directory if cloud.metadata is None else None
    common: dict[str, Any] = {"authority": authority} if authority else {}
    tenant: dict[str, Any] = {"tenant_id": settings.tenant_id} if settings.tenant_id else {}
    if kind == "cli":
        return identity.AzureCliCredential(**tenant)
    if kind == "managed_identity":
        return identity.ManagedIdentityCredential(client_id=settings.client_id)
    if kind == "environment":
        return identity.EnvironmentCredential(**common)
    if kind == "interactive_browser":
        return identity.InteractiveBrowserCredential(**common, **tenant)
    if kind == "device_code":
        def prompt(uri: str, code: str, expires: datetime) -> None:
            on_prompt(f"To sign in to Azure, open {uri} and enter the code {code}.")

        return identity.DeviceCodeCredential(**common, **tenant, prompt_callback=prompt)
    return identity.DefaultAzureCredential(
        **common, exclude_interactive_browser_credential=True, managed_identity_client_id=settings.client_id
    )


def _plugin(kind: str, settings: AzureSettings) -> Any:
    from importlib.metadata import entry_points

    found = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == kind]
    if not found:
        raise ValidationError(
            _(
                'Unknown Azure credential {kind!r}: use one of {value} (or install the plugin that provides it).'
            ).format(kind=kind, value=', '.join(AZURE_CREDENTIALS)),
            field="azure.credential",
        )
    factory = found[0].load()
    return factory(settings)


def _claims(token: str) -> dict[str, Any]:
    """A JWT's claims, decoded but never verified: for the header, not for a decision."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


def tenant_of(token: str) -> str | None:
    tenant = _claims(token).get("tid")
    return tenant if isinstance(tenant, str) and tenant else None


def identity_of(token: str) -> str | None:
    """Who a token was issued to: a user name, or the app or object id of a service principal."""
    claims = _claims(token)
    for key in ("upn", "unique_name", "preferred_username", "email"):
        if isinstance(claims.get(key), str) and claims[key]:
            return str(claims[key])
    for key, label in (("appid", "application"), ("azp", "application"), ("oid", "object")):
        if isinstance(claims.get(key), str) and claims[key]:
            return f"{label} {claims[key]}"
    return None
