"""Authentication of access tokens against their live session."""

from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed

from accounts import selectors
from accounts.dpop import DPoPAuthenticationMixin


class SessionJWTAuthentication(DPoPAuthenticationMixin, JWTAuthentication):
    """SimpleJWT's authentication, refusing tokens whose session is no longer live.

    The session, its expiry and the user's ``is_active`` are checked in the one query
    that the stock class spends on the user alone, so a revocation takes effect on the
    very next request, in every server process. Tokens of a session bound to a key
    need the DPoP scheme and a proof (``accounts.dpop``).
    """

    def get_user(self, validated_token):
        user = selectors.session_user_get(
            session_id=validated_token.session_id, user_id=validated_token["user_id"]
        )
        if user is None:
            raise AuthenticationFailed(_("The session of this token has ended."), code="session_revoked")
        return user
