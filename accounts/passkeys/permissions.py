"""The recent-authentication rule (RFC 9470's step-up error) for sensitive changes."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.permissions import BasePermission
from rest_framework_simplejwt.utils import datetime_from_epoch

from accounts.app_settings import app_settings
from accounts.sessions.tokens import AUTH_TIME_CLAIM
from common.openapi import ErrorSerializer

# How the schema describes the 403 of an operation guarded by RecentAuthentication.
REAUTH_RESPONSE = OpenApiResponse(
    ErrorSerializer,
    description="`reauthentication_required`: the access token's `auth_time` is older than "
    "`REAUTH_MAX_AGE_SECONDS` (given as `max_age`), with `WWW-Authenticate: Bearer "
    'error="insufficient_user_authentication", max_age=N` (RFC 9470). Re-authenticate and retry.',
)


class ReauthenticationRequired(APIException):
    """403 with ``max_age`` and RFC 9470's ``WWW-Authenticate`` challenge."""

    status_code = status.HTTP_403_FORBIDDEN
    default_detail = _("Authenticate again (password or passkey) to do this.")
    default_code = "reauthentication_required"

    def __init__(self, max_age: int):
        super().__init__()
        # Set as is: through APIException's constructor ``max_age`` would become a string.
        self.detail = {"detail": str(self.default_detail), "code": self.default_code, "max_age": max_age}
        # DRF's handler turns ``auth_header`` into WWW-Authenticate, whatever the status.
        self.auth_header = f'Bearer error="insufficient_user_authentication", max_age={max_age}'


def authenticated_recently(token, *, now=None) -> bool:
    """Return whether ``token``'s ``auth_time`` is within REAUTH_MAX_AGE_SECONDS (a token without one never is)."""
    auth_time = token.payload.get(AUTH_TIME_CLAIM) if token is not None else None
    if auth_time is None:
        return False
    age = ((now or timezone.now()) - datetime_from_epoch(auth_time)).total_seconds()
    return age <= app_settings.REAUTH_MAX_AGE_SECONDS


class RecentAuthentication(BasePermission):
    """Allow only a caller whose access token says they authenticated within REAUTH_MAX_AGE_SECONDS.

    Runs after IsAuthenticated (list it second): an anonymous caller gets the 401 first.
    """

    def has_permission(self, request, view):
        if not authenticated_recently(request.auth):
            raise ReauthenticationRequired(app_settings.REAUTH_MAX_AGE_SECONDS)
        return True
