"""Rate limits of the passkey endpoints that the login's bucket does not cover."""

from accounts.throttling import AuthRateThrottle, PasswordChangeRateThrottle


class PasskeyOptionsRateThrottle(AuthRateThrottle):
    """Limit login options per client IP in a bucket of their own (each login asks for them first)."""

    scope = "passkey_options"


class ReauthenticateRateThrottle(PasswordChangeRateThrottle):
    """Limit re-authentications per user: a stolen access token must not buy unlimited password guesses."""

    scope = "reauthenticate"
