"""Rate limits on the endpoints that check a password (login, register, password change)."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class AuthRateThrottle(SimpleRateThrottle):
    """Limit login and register attempts per client IP, in the shared cache.

    Both endpoints share one bucket, so that alternating between them buys nothing.
    """

    scope = "auth"

    def get_rate(self):
        rate = settings.AUTH_THROTTLE_RATE
        return None if rate.strip().lower() == "none" else rate

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class PasswordChangeRateThrottle(AuthRateThrottle):
    """Limit password changes per user: a stolen access token must not buy unlimited guesses."""

    scope = "password_change"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
