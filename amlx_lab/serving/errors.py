"""HTTP-level errors of the scoring server.

They extend the project's typed errors (``amlx_lab.errors``) so the body is
the same ``{"error": {"code", "message", "details"}}`` shape as the REST API.
Messages name what is wrong (a column, a header) and never echo a key.
"""

from __future__ import annotations

from ..errors import AmlxError, NotFoundError, PayloadTooLargeError, ValidationError

__all__ = [
    "AmlxError",
    "BadGatewayError",
    "BadRequestError",
    "GatewayTimeoutError",
    "LengthRequiredError",
    "MethodNotAllowedError",
    "ModelLoadError",
    "NotFoundError",
    "PayloadTooLargeError",
    "ScoringFailedError",
    "UnauthorizedError",
    "UnsupportedMediaTypeError",
    "ValidationError",
]


class BadRequestError(ValidationError):
    """The request (HTTP framing, JSON or payload shape) cannot be used."""


class UnauthorizedError(AmlxError):
    """Missing or wrong ``Authorization: Bearer <key>``."""

    status = 401
    code = "unauthorized"


class MethodNotAllowedError(AmlxError):
    status = 405
    code = "method_not_allowed"


class LengthRequiredError(AmlxError):
    """A body without Content-Length (chunked uploads are not accepted)."""

    status = 411
    code = "length_required"


class UnsupportedMediaTypeError(AmlxError):
    """Only ``application/json`` bodies are scored."""

    status = 415
    code = "unsupported_media_type"


class ScoringFailedError(AmlxError):
    """The model or the score script raised on input that passed validation."""

    status = 500
    code = "scoring_failed"


class BadGatewayError(AmlxError):
    """A sibling deployment that should take a share of the traffic did not answer."""

    status = 502
    code = "deployment_unavailable"


class GatewayTimeoutError(AmlxError):
    status = 504
    code = "deployment_timeout"


class ModelLoadError(AmlxError):
    """The model folder or file cannot be loaded; raised at start-up only."""

    status = 500
    code = "model_load_error"
