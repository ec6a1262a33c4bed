"""Typed errors shared by every layer.

Each error carries the HTTP status and a stable machine-readable ``code`` so
that the REST handlers map it in one place (``handlers/base.py``), the CLI
turns it into an exit status and one readable line, and the magics print it
without a traceback. Messages are written for a person and never contain a
secret (keys, tokens, connection strings).
"""

from __future__ import annotations

from typing import Any


class AmlxError(Exception):
    """Base of every error the product raises on purpose."""

    status: int = 500
    code: str = "internal_error"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        """The JSON error body: ``{"error": {"code", "message", "details"}}``."""
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class ValidationError(AmlxError):
    """The request is malformed or a field has a bad value (names the field)."""

    status = 400
    code = "invalid_request"

    def __init__(self, message: str, *, field: str | None = None, details: dict[str, Any] | None = None) -> None:
        merged = dict(details or {})
        if field is not None:
            merged.setdefault("field", field)
        super().__init__(message, details=merged)
        self.field = field


class NotFoundError(AmlxError):
    """An id (job, model, endpoint, data asset, cell, route) does not exist."""

    status = 404
    code = "not_found"


class ConflictError(AmlxError):
    """The request contradicts the current state (e.g. cancelling a finished job)."""

    status = 409
    code = "conflict"


class NotSupportedError(ConflictError):
    """The target lacks the capability the request needs (e.g. endpoints on a target without them)."""

    code = "not_supported"


class NotebookError(AmlxError):
    """A notebook cannot be turned into a job: syntax error, unknown name, corrupt file.

    ``details`` names the cell (index and id) and the line when they are known.
    """

    status = 422
    code = "notebook_error"


class PayloadTooLargeError(AmlxError):
    """A request body exceeds the configured limit."""

    status = 413
    code = "payload_too_large"


class TargetNotConfiguredError(AmlxError):
    """The chosen target (e.g. Azure) lacks the settings it needs to be used."""

    status = 409
    code = "target_not_configured"


class AuthenticationError(AmlxError):
    """The server could not sign in to the remote service (no or expired credentials); says what to run."""

    status = 401
    code = "sign_in_required"


class AuthorizationError(AmlxError):
    """The remote service refused the signed-in identity (e.g. a 403 from Azure Resource Manager)."""

    status = 403
    code = "not_authorized"


class ThrottledError(AmlxError):
    """The remote service asked us to slow down (HTTP 429) after retries; ``details.retry_after`` in seconds."""

    status = 429
    code = "throttled"


class UpstreamError(AmlxError):
    """The remote service (Azure ML) failed or refused; details carry its status."""

    status = 502
    code = "upstream_error"
