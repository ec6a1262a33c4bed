"""Azure's exceptions become the product's typed errors, each with a sentence a person can act on.

azure-core raises ``HttpResponseError`` (and subclasses per status) for the
service's answers, ``ServiceRequestError``/``ServiceResponseError`` when it
cannot reach it, ``ClientAuthenticationError`` when signing in fails;
azure-ai-ml raises ``ValidationException``/``UserErrorException`` (and
marshmallow's ``ValidationError``) for what it refuses before sending
anything. Transient failures were already retried by azure-core's retry
policy (configured in ``connection.py``) by the time they get here.

Messages never carry secrets or absolute paths of this machine: Azure's text
is kept, minus SAS signatures, bearer tokens, colour codes and local paths.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ...errors import (
    AmlxError,
    AuthenticationError,
    AuthorizationError,
    ConflictError,
    TargetNotConfiguredError,
    ThrottledError,
    UpstreamError,
    ValidationError,
)
from ...i18n import _

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_SECRETS = re.compile(r"(?i)(sig|se|sv|sp|sr|skoid|sktid|token|key)=[^&\s\"']+|bearer\s+[A-Za-z0-9._~+/=-]+")
_LOCAL_PATH = re.compile(r"(?<![\w:/.])/(?:[^\s/'\"]+/)+[^\s/'\"]*")
_QUOTA_CODES = ("quota", "notenoughcores", "capacity")

NotFound = Callable[[], AmlxError]


def clean(text: str, limit: int = 600) -> str:
    """Azure's message without colour codes, secrets or absolute local paths, on one line, bounded."""
    text = _ANSI.sub("", text)
    text = _SECRETS.sub(lambda m: m.group(0).split("=")[0] + "=***" if "=" in m.group(0) else "Bearer ***", text)
    text = _LOCAL_PATH.sub(lambda m: m.group(0) if _is_api_path(m.group(0)) else "<local path>", text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_api_path(path: str) -> bool:
    """ARM ids and URL paths are not this machine's files; keep them."""
    return path.startswith(("/subscriptions/", "/providers/", "/mlflow/", "/history/", "/api/"))


def azure_message(exc: BaseException) -> str:
    """The service's own sentence: the ARM/OData error message if there is one, else the exception text."""
    error = getattr(exc, "error", None)
    message = getattr(error, "message", None) if error is not None else None
    if not message:
        message = getattr(exc, "message", None) or str(exc)
    return clean(str(message))


def error_code(exc: BaseException) -> str:
    error = getattr(exc, "error", None)
    return str(getattr(error, "code", "") or "")


def retry_after(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None) or {}
    value = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def translate(
    exc: BaseException,
    *,
    sign_in_hint: str,
    workspace: str,
    not_found: NotFound | None = None,
    workspace_missing: Callable[[], bool] | None = None,
) -> AmlxError | None:
    """The typed error for ``exc``, or ``None`` when it is not Azure's (a bug: let it become a 500)."""
    from azure.core import exceptions as core

    if isinstance(exc, AmlxError):
        return exc
    if isinstance(exc, core.ClientAuthenticationError):
        return AuthenticationError(sign_in_hint, details={"upstream": "azure", "reason": azure_message(exc)})
    if isinstance(exc, core.HttpResponseError) and exc.status_code is not None:
        return _from_status(exc, exc.status_code, sign_in_hint, workspace, not_found, workspace_missing)
    if isinstance(exc, (core.ServiceRequestError, core.ServiceResponseError)):
        return UpstreamError(
            _(
                'Azure ML could not be reached ({azure_message_exc}); check the network and try again.'
            ).format(azure_message_exc=azure_message(exc)),
            details={"upstream": "azure"},
        )
    sdk = _sdk_error(exc, not_found)
    if sdk is not None:
        return sdk
    return None


def _from_status(
    exc: Any,
    status: int,
    sign_in_hint: str,
    workspace: str,
    not_found: NotFound | None,
    workspace_missing: Callable[[], bool] | None,
) -> AmlxError:
    message = azure_message(exc)
    code = error_code(exc)
    details: dict[str, Any] = {"upstream": "azure", "status": status}
    if code:
        details["azure_code"] = code
    if status == 401:
        return AuthenticationError(sign_in_hint, details=details)
    if status == 403:
        return AuthorizationError(
            f"Azure refused access to workspace {workspace} for the signed-in identity: ask for a role on it "
            f"(such as AzureML Data Scientist). Azure said: {message}",
            details=details,
        )
    if status == 404:
        if workspace_missing is not None and workspace_missing():
            return _missing_workspace(workspace, details)
        if not_found is not None:
            return not_found()
        return UpstreamError(_('Azure ML answered 404: {message}').format(message=message), details=details)
    if status == 429:
        wait = retry_after(exc)
        if wait is not None:
            details["retry_after"] = wait
        when = f"in {wait:g} s" if wait is not None else "in a minute"
        return ThrottledError(
            f"Azure ML is throttling this workspace's requests; try again {when}.", details=details
        )
    if any(word in code.lower() for word in _QUOTA_CODES) or "quota" in message.lower():
        return ConflictError(_('Azure ML refused for lack of quota: {message}').format(message=message), details=details)
    if status == 409:
        return ConflictError(_('Azure ML refused: {message}').format(message=message), details=details)
    if 400 <= status < 500:
        return ValidationError(_('Azure ML refused the request: {message}').format(message=message), details=details)
    return UpstreamError(_('Azure ML failed with HTTP {status}: {message}').format(status=status, message=message), details=details)


def _missing_workspace(workspace: str, details: dict[str, Any]) -> AmlxError:
    return TargetNotConfiguredError(
        _(
            'The Azure ML workspace {workspace} was not found: check subscription_id, resource_group and '
            'workspace_name in the settings (or config.json), and that the signed-in identity can see it.'
        ).format(workspace=workspace),
        details=details,
    )


def missing_workspace(workspace: str) -> AmlxError:
    return _missing_workspace(workspace, {"upstream": "azure", "status": 404})


def _sdk_error(exc: BaseException, not_found: NotFound | None) -> AmlxError | None:
    """azure-ai-ml's and marshmallow's refusals, raised before anything was sent (or wrapping a 404)."""
    module = type(exc).__module__
    if module.startswith("marshmallow"):
        return ValidationError(_("Azure ML's client refused the job: {clean_str_exc}").format(clean_str_exc=clean(str(exc))))
    if not module.startswith("azure.ai.ml"):
        return None
    chain = _chain(exc)
    if not_found is not None and any(_is_not_found(e) for e in chain):
        return not_found()
    message = _concise(chain)
    category = str(getattr(exc, "error_category", "") or "")
    if type(exc).__name__ in ("ValidationException", "UserErrorException", "EmptyDirectoryError") or category == "UserError":
        return ValidationError(_("Azure ML's client refused the request: {message}").format(message=message))
    return UpstreamError(_("Azure ML's client failed: {message}").format(message=message), details={"upstream": "azure"})


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and the exceptions it was raised from, outermost first."""
    found: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in found and len(found) < 10:
        found.append(current)
        current = current.__cause__ or current.__context__
    return found


def _is_not_found(exc: BaseException) -> bool:
    if type(exc).__name__ == "ResourceNotFoundError":
        return True
    kind = getattr(exc, "error_type", None)
    return getattr(kind, "name", "") == "RESOURCE_NOT_FOUND"


def _concise(chain: list[BaseException]) -> str:
    """The plainest message in the chain: azure-ai-ml wraps a short one in a long one with 'Resolutions'."""
    messages = [azure_message(e) for e in chain if type(e).__module__.startswith("azure.ai.ml")]
    short = [m for m in messages if m and "Resolutions" not in m and len(m) < 300]
    return short[-1] if short else (messages[0] if messages else azure_message(chain[0]))


@contextmanager
def translated(
    *,
    sign_in_hint: str,
    workspace: str,
    not_found: NotFound | None = None,
    workspace_missing: Callable[[], bool] | None = None,
) -> Iterator[None]:
    """Run a block of SDK calls; Azure's exceptions come out as typed errors."""
    try:
        yield
    except Exception as exc:
        error = translate(
            exc, sign_in_hint=sign_in_hint, workspace=workspace, not_found=not_found,
            workspace_missing=workspace_missing,
        )
        if error is None or error is exc:
            raise
        raise error from None
