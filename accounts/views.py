"""The /api/auth/ endpoints: thin wrappers around the services of accounts.credentials and accounts.sessions."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import APIException, AuthenticationFailed, NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError

from accounts import notifications
from accounts.authentication import SessionJWTAuthentication, session_ended
from accounts.credentials.login import EmailTaken, LoginFailed, user_login, user_register
from accounts.credentials.password import PasswordChanged, user_change_password
from accounts.credentials.reset import ResetLinkInvalid, password_reset_complete, password_reset_request
from accounts.dpop import binding
from accounts.models import RevokeReason
from accounts.openapi import ACCESS_SCHEME, DPOP_ALTERNATIVE, DPOP_PROOF_PARAMETER, REFRESH_SCHEME
from accounts.serializers import (
    RESET_LINK_INVALID,
    DeviceSessionSerializer,
    LoginSerializer,
    PasswordChangeSerializer,
    PasswordResetAcceptedSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetRequestSerializer,
    RegisterSerializer,
    SessionRenameSerializer,
    TokenPairSerializer,
    TokenResponseSerializer,
)
from accounts.sessions import selectors
from accounts.sessions.devices import device_name_from_user_agent, session_rename
from accounts.sessions.opening import SessionClient, SessionLimitReached
from accounts.sessions.refresh import RefreshDenied, refresh_token_decode, session_refresh
from accounts.sessions.revocation import session_revoke, sessions_revoke_of_users
from accounts.sessions.tokens import SessionAccessToken, SessionRefreshToken, seconds_until
from accounts.throttling import (
    AuthRateThrottle,
    PasswordChangeRateThrottle,
    PasswordResetConfirmRateThrottle,
    PasswordResetEmailRateThrottle,
    PasswordResetRateThrottle,
)
from common import metrics
from common.net import client_ip, user_agent
from common.openapi import ErrorSerializer

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
BEARER_CHALLENGE = 'Bearer realm="api"'
RESET_ACCEPTED = "If an active account uses this address, a link to reset its password is on its way."


class SessionLimitConflict(APIException):
    """The 409 of a login refused by SESSION_LIMIT_POLICY=deny (the service raises SessionLimitReached)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = _("This account has as many sessions as it may have: log out on another device first.")
    default_code = "session_limit"


def token_pair_data(issued):
    """Return the body of a refresh response for ``issued``."""
    now = timezone.now()
    access = issued.access
    return {
        "access": str(access),
        "refresh": str(issued.refresh),
        "token_type": "DPoP" if binding.token_jkt(issued.refresh) else "Bearer",
        "expires_in": seconds_until(access.expires_at, now),
        "refresh_expires_in": seconds_until(issued.refresh.expires_at, now),
    }


def token_response_data(issued, user):
    """Return the body of a login, register or password-change response."""
    return {
        **token_pair_data(issued),
        "session": {"id": str(issued.session.pk), "device_name": issued.session.device_name},
        "user": {
            "id": user.pk,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
        },
    }


def session_client(request):
    """Return what a session opened by ``request`` records about its client; refuse a bad DPoP proof (401)."""
    return SessionClient(
        user_agent=user_agent(request),
        ip_address=client_ip(request),
        dpop_jkt=binding.jkt_for_new_session(request),
    )


def device_name_of(data, client):
    """Return the device name the client gave, or one made from its User-Agent."""
    return data.get("device_name") or device_name_from_user_agent(client.user_agent)


class PublicAuthView(APIView):
    """An auth endpoint that authenticates by its own means (credentials or a refresh token)."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    def get_authenticate_header(self, request):
        # Without an authentication class DRF would turn our 401s into 403s.
        return binding.authenticate_header(request) or BEARER_CHALLENGE

    @staticmethod
    def validated(serializer_class, request):
        """Return the request body validated by ``serializer_class``; raise 400 when it is not valid."""
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def bearer_token(self, request):
        """Return the raw token of the Authorization header (Bearer or DPoP); raise 401 when there is none."""
        authenticator = SessionJWTAuthentication()
        header = authenticator.get_header(request)
        raw = authenticator.get_raw_token(header) if header else None
        if raw is None:
            raise AuthenticationFailed(_("A Bearer token is required."), code="not_authenticated")
        # A body, where there is one, must be JSON (415 otherwise). An empty one passes
        # whatever its type, as in DRF, without the cost of DRF's parsing (refresh is hot).
        if request.META.get("CONTENT_LENGTH", "0") not in ("", "0"):
            request.data  # noqa: B018
        return raw


class RegisterView(PublicAuthView):
    throttle_classes = (AuthRateThrottle,)

    @extend_schema(
        summary="Register and log in",
        request=RegisterSerializer,
        parameters=[DPOP_PROOF_PARAMETER],
        responses={201: TokenResponseSerializer, 401: ErrorSerializer},
    )
    def post(self, request):
        data = self.validated(RegisterSerializer, request)
        client = session_client(request)
        try:
            issued = user_register(
                email=data["email"],
                password=data["password"],
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
                device_name=device_name_of(data, client),
                client=client,
            )
        except EmailTaken:
            return Response(
                {"email": ["A user with this email already exists."]}, status=status.HTTP_400_BAD_REQUEST
            )
        return Response(
            token_response_data(issued, issued.session.user), status=status.HTTP_201_CREATED, headers=NO_STORE
        )


class CountedLoginView(PublicAuthView):
    """A way to log in: the throttle's refusals count in auth_login_total with its other outcomes."""

    def throttled(self, request, wait):
        metrics.login("throttled")
        super().throttled(request, wait)


class LoginView(CountedLoginView):
    throttle_classes = (AuthRateThrottle,)

    @extend_schema(
        summary="Log in: a new session for this device",
        request=LoginSerializer,
        parameters=[DPOP_PROOF_PARAMETER],
        responses={200: TokenResponseSerializer, 401: ErrorSerializer, 409: ErrorSerializer},
    )
    def post(self, request):
        data = self.validated(LoginSerializer, request)
        try:
            client = session_client(request)
        except AuthenticationFailed:  # a DPoP proof required or wrong: the password was not checked
            metrics.login("rejected")
            raise
        try:
            issued = user_login(
                request=request,
                email=data["email"],
                password=data["password"],
                device_name=device_name_of(data, client),
                client=client,
            )
        except LoginFailed as exc:
            metrics.login(exc.outcome)
            raise AuthenticationFailed(
                _("No active account found with the given credentials."), code="authentication_failed"
            ) from exc
        except SessionLimitReached as exc:
            metrics.login("session_limit")
            raise SessionLimitConflict from exc
        metrics.login("ok")
        return Response(token_response_data(issued, issued.session.user), headers=NO_STORE)


class RefreshView(PublicAuthView):
    @extend_schema(
        summary="Rotate the refresh token",
        description="Send the refresh token as `Authorization: Bearer <refresh>` and no body. The answer "
        "is a new pair; the old refresh token stops working, and presenting it again revokes the session. "
        "A session bound to a key: `Authorization: DPoP <refresh>` and a `DPoP` proof.",
        request=None,
        responses={200: TokenPairSerializer, 401: ErrorSerializer},
        auth=[{REFRESH_SCHEME: []}, DPOP_ALTERNATIVE],
    )
    def post(self, request):
        try:
            raw = self.bearer_token(request)
            token = refresh_token_decode(raw)
            binding.require_binding(request, token, raw=raw, access=False, refreshing=True)
            issued = session_refresh(token=token, ip_address=client_ip(request))
        except RefreshDenied as exc:
            metrics.refresh(exc.outcome)
            raise session_ended(
                "The refresh token is invalid, expired or revoked.", code="token_not_valid", reason=exc.reason
            ) from exc
        except AuthenticationFailed:  # no token, or its DPoP proof missing or wrong
            metrics.refresh("invalid")
            raise
        metrics.refresh("grace" if issued.grace else "ok")
        return Response(token_pair_data(issued), headers=NO_STORE)


class LogoutView(PublicAuthView):
    @extend_schema(
        summary="Log out: revoke this session",
        description="Send the access or the refresh token as `Authorization: Bearer <token>` "
        "(`DPoP <token>` and a `DPoP` proof for a session bound to a key).",
        request=None,
        responses={204: None, 401: ErrorSerializer},
        auth=[{ACCESS_SCHEME: []}, {REFRESH_SCHEME: []}, DPOP_ALTERNATIVE],
    )
    def post(self, request):
        raw = self.bearer_token(request)
        token = None
        for token_class in (SessionAccessToken, SessionRefreshToken):
            try:
                token = token_class(raw)
                break
            except TokenError:
                continue
        if token is not None:
            binding.require_binding(request, token, raw=raw, access=isinstance(token, SessionAccessToken))
        revoked = token is not None and session_revoke(
            session_id=token.session_id,
            user_id=token["user_id"],
            reason=RevokeReason.LOGOUT,
            ip_address=client_ip(request),
        )
        if not revoked:
            raise AuthenticationFailed(
                _("The token is invalid or its session has ended."), code="token_not_valid"
            )
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    @extend_schema(summary="Log out everywhere: revoke every session", request=None, responses={204: None})
    def post(self, request):
        request.data  # noqa: B018 - enforce JSON-only bodies (415)
        sessions_revoke_of_users(
            user_ids=[request.user.pk], reason=RevokeReason.LOGOUT_ALL, ip_address=client_ip(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutOthersView(APIView):
    @extend_schema(
        summary="Log out every other device: revoke every session but this one",
        request=None,
        responses={204: None},
    )
    def post(self, request):
        request.data  # noqa: B018 - enforce JSON-only bodies (415)
        sessions_revoke_of_users(
            user_ids=[request.user.pk],
            reason=RevokeReason.LOGOUT_OTHERS,
            keep_session_id=request.auth.session_id,
            ip_address=client_ip(request),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetView(PublicAuthView):
    throttle_classes = (PasswordResetRateThrottle, PasswordResetEmailRateThrottle)

    @extend_schema(
        summary="Ask for a password-reset link by mail",
        description="The answer is the same whether or not the address belongs to an account; an active "
        "account gets a mail with a single-use link: `PASSWORD_RESET_URL` (unset: the web client's reset "
        "page at this origin) with `uid` and `token` after its `#`, which no server receives. Throttled "
        "per client IP and per address.",
        request=PasswordResetRequestSerializer,
        responses={202: PasswordResetAcceptedSerializer},
    )
    def post(self, request):
        data = self.validated(PasswordResetRequestSerializer, request)
        password_reset_request(
            email=data["email"],
            user_agent=user_agent(request),
            ip_address=client_ip(request),
            origin=f"{request.scheme}://{request.get_host()}",
        )
        # console_mail depends on the configuration alone: the body is the same for every address.
        body = {"detail": RESET_ACCEPTED, "console_mail": notifications.console_mail_in_development()}
        return Response(body, status=status.HTTP_202_ACCEPTED, headers=NO_STORE)


class PasswordResetConfirmView(PublicAuthView):
    throttle_classes = (PasswordResetConfirmRateThrottle,)

    @extend_schema(
        summary="Set a new password with a reset link",
        description="`uid` and `token` come from the link's fragment (after its `#`). Every session of the account is "
        "revoked, and the link stops working. 400 for a link that is invalid, used or expired (on `token`) "
        "and for a password Django's validators reject (on `new_password`).",
        request=PasswordResetConfirmSerializer,
        responses={204: None},
    )
    def post(self, request):
        data = self.validated(PasswordResetConfirmSerializer, request)
        try:
            password_reset_complete(
                uid=data["uid"],
                token=data["token"],
                new_password=data["new_password"],
                ip_address=client_ip(request),
            )
        except ResetLinkInvalid as exc:  # used by a concurrent request in the meantime
            raise ValidationError({"token": [RESET_LINK_INVALID]}) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(APIView):
    throttle_classes = (PasswordChangeRateThrottle,)

    @extend_schema(
        summary="Change the password",
        description="Every earlier session is revoked; the answer holds a new session for this device.",
        request=PasswordChangeSerializer,
        parameters=[DPOP_PROOF_PARAMETER],
        responses={200: TokenResponseSerializer},
    )
    def post(self, request):
        serializer = PasswordChangeSerializer(data=request.data, context={"user": request.user})
        serializer.is_valid(raise_exception=True)
        try:
            issued = user_change_password(
                user=request.user,
                new_password=serializer.validated_data["new_password"],
                session_id=request.auth.session_id,
                client=session_client(request),
                device_name=serializer.validated_data.get("device_name", ""),
            )
        except PasswordChanged as exc:
            # Another change (a reset, the admin) won the race and revoked this session with the others.
            session_id, user_id = request.auth.session_id, request.user.pk
            raise session_ended(
                "The session of this token has ended.",
                code="session_revoked",
                reason=selectors.session_end_reason(session_id=session_id, user_id=user_id),
            ) from exc
        return Response(token_response_data(issued, request.user), headers=NO_STORE)


@extend_schema_view(get=extend_schema(summary="List the caller's live sessions"))
class SessionListView(generics.ListAPIView):
    serializer_class = DeviceSessionSerializer

    def get_queryset(self):
        return selectors.session_list_for_user(user=self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "session_id": self.request.auth.session_id}


class SessionDetailView(APIView):
    @extend_schema(
        summary="Rename one of the caller's sessions",
        request=SessionRenameSerializer,
        responses={200: DeviceSessionSerializer},
    )
    def patch(self, request, pk):
        serializer = SessionRenameSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        session = session_rename(
            session_id=pk, user_id=request.user.pk, device_name=serializer.validated_data["device_name"]
        )
        if session is None:
            raise NotFound(_("No such session."))
        return Response(
            DeviceSessionSerializer(session, context={"session_id": request.auth.session_id}).data
        )

    @extend_schema(summary="Revoke one of the caller's sessions", responses={204: None})
    def delete(self, request, pk):
        revoked = session_revoke(
            session_id=pk,
            user_id=request.user.pk,
            reason=RevokeReason.SESSION_DELETED,
            ip_address=client_ip(request),
        )
        if not revoked:
            raise NotFound(_("No such session."))
        return Response(status=status.HTTP_204_NO_CONTENT)
