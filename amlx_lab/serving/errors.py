"""HTTP-level errors only the scoring server answers (401, 405, 411, 415, 502, 503, 504, ...).

This is not a copy of ``amlx_lab.errors``: every class here subclasses the
shared ``AmlxError``/``ValidationError`` (same ``status``/``code`` fields and
the same ``{"error": {"code", "message", "details"}}`` body as the REST API),
and the shared classes (``NotFoundError``, ``PayloadTooLargeError``, ...) are
imported from ``amlx_lab.errors`` where they are used. That reuse keeps the
server process light because ``amlx_lab.errors`` imports only ``typing``.
Messages name what is wrong (a column, a header) and never echo a key.
"""

from __future__ import annotations

from ..errors import AmlxError, ValidationError

__all__ = [
    "BadGatewayError",
    "BadRequestError",
    "GatewayTimeoutError",
    "LengthRequiredError",
    "MethodNotAllowedError",
    "ModelLoadError",
    "PredictionHungError",
    "ScoringFailedError",
    "UnauthorizedError",
    "UnsupportedMediaTypeError",
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
    """A scoring request with neither Content-Length nor a chunked body."""

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


class PredictionHungError(AmlxError):
    """A prediction has run for too long: ``/health`` says so, so the supervisor restarts the server."""

    status = 503
    code = "prediction_hung"


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
