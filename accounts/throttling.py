"""Rate limits on the endpoints that check a password (login, register, password change) or reset one."""

import hashlib

from rest_framework.throttling import SimpleRateThrottle

from accounts.app_settings import app_settings
from accounts.models import User


class AuthRateThrottle(SimpleRateThrottle):
    """Limit login and register attempts per client IP, in the shared cache.

    Both endpoints share one bucket, so that alternating between them buys nothing.
    """

    scope = "auth"

    def get_rate(self):
        rate = app_settings.AUTH_THROTTLE_RATE
        return None if rate.strip().lower() == "none" else rate

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class PasswordChangeRateThrottle(AuthRateThrottle):
    """Limit password changes per user: a stolen access token must not buy unlimited guesses."""

    scope = "password_change"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class PasswordResetRateThrottle(AuthRateThrottle):
    """Limit password-reset requests per client IP (a bucket of their own: they check no password)."""

    scope = "password_reset"


class PasswordResetEmailRateThrottle(AuthRateThrottle):
    """Limit password-reset requests per email address, so that nobody floods one inbox from many IPs.

    The address is hashed into the key (any text fits). A body that is not JSON is refused with
    415 here already; one without a usable ``email`` is left to the serializer's 400.
    """

    scope = "password_reset_email"

    def get_cache_key(self, request, view):
        data = request.data
        email = data.get("email") if isinstance(data, dict) else None
        if not isinstance(email, str) or not email.strip():
            return None
        digest = hashlib.sha256(User.objects.normalize_email(email).encode("utf-8", "replace")).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}


class PasswordResetConfirmRateThrottle(AuthRateThrottle):
    """Limit attempts to use reset links per client IP."""

    scope = "password_reset_confirm"
