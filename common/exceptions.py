"""One error shape for the whole API: ``{"detail", "code"}`` or ``{field: [messages]}``."""

import logging

from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger("common.exceptions")

# What a database that is down, restarting or out of reach raises (also a lock wait that timed out).
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The service is temporarily unavailable; retry later."
    default_code = "service_unavailable"


def database_unavailable(exc: BaseException) -> None:
    """Log a database outage met by a request: one line, no traceback (the cause is known)."""
    logger.error("Database unavailable: %s: %s", type(exc).__name__, str(exc).strip().splitlines()[0:1])


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"


def exception_handler(exc, context):
    """Return DRF's error response with a stable ``code`` beside every ``detail``."""
    if isinstance(exc, RequestDataTooBig):
        # Past DATA_UPLOAD_MAX_MEMORY_SIZE: Django's own answer would be an HTML page.
        exc = PayloadTooLarge()
    elif isinstance(exc, DATABASE_UNAVAILABLE):
        database_unavailable(exc)
        exc = ServiceUnavailable()
        exc.wait = RETRY_AFTER_SECONDS  # DRF turns ``wait`` into Retry-After
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        return response
    data = response.data if isinstance(response.data, dict) else {"detail": response.data}
    if "code" not in data:
        detail = getattr(exc, "detail", None)
        data["code"] = getattr(detail, "code", None) or _default_code(response.status_code)
    response.data = data
    challenge = getattr(exc, "www_authenticate", None)
    if challenge and response.status_code == status.HTTP_401_UNAUTHORIZED:
        # A scheme's own challenge (DPoP's, accounts/dpop.py) replaces the view's generic one.
        response["WWW-Authenticate"] = challenge
    elif response.status_code == status.HTTP_401_UNAUTHORIZED and "WWW-Authenticate" not in response:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _default_code(status_code):
    return {404: "not_found", 403: "permission_denied", 401: "not_authenticated"}.get(status_code, "error")
