"""One error shape for the whole API: ``{"detail", "code"}`` or ``{field: [messages]}``."""

from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from common import db, metrics, outages

RETRY_AFTER_SECONDS = 5


def is_database_unavailable(exc: BaseException) -> bool:
    """Return whether ``exc`` means the database cannot serve now: the request gets a 503, not a 500.

    A database that is down, restarting or out of reach raises these (also a lock wait that
    timed out). Every layer that answers 503 asks here, so one change reaches all of them.
    """
    return isinstance(exc, (OperationalError, InterfaceError))


def database_refused(exc: BaseException) -> None:
    """Tell the logs of one request refused for ``exc``: a statement cancelled past its bound, or an outage."""
    if db.statement_cancelled(exc):
        metrics.database_refused("statement_cancelled")
        outages.statements_cancelled.happened(exc)
    else:
        metrics.database_refused("outage")
        outages.database.failed(exc)


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The service is temporarily unavailable; retry later."
    default_code = "service_unavailable"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"


def exception_handler(exc, context):
    """Return DRF's error response with a stable ``code`` beside every ``detail``."""
    if isinstance(exc, RequestDataTooBig):
        # Past DATA_UPLOAD_MAX_MEMORY_SIZE: Django's own answer would be an HTML page.
        exc = PayloadTooLarge()
    elif is_database_unavailable(exc):
        database_refused(exc)
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
        # A scheme's own challenge (DPoP's, accounts/dpop/) replaces the view's generic one.
        response["WWW-Authenticate"] = challenge
    elif response.status_code == status.HTTP_401_UNAUTHORIZED and "WWW-Authenticate" not in response:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _default_code(status_code):
    return {404: "not_found", 403: "permission_denied", 401: "not_authenticated"}.get(status_code, "error")
