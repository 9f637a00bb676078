"""The passkey endpoints under /api/auth/passkeys/ and /api/auth/reauthenticate/: thin wrappers around the services."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import APIException, AuthenticationFailed, NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import session_ended
from accounts.dpop import binding
from accounts.openapi import DPOP_PROOF_PARAMETER
from accounts.passkeys import selectors
from accounts.passkeys import services as passkey_services
from accounts.passkeys.permissions import REAUTH_RESPONSE, RecentAuthentication
from accounts.passkeys.serializers import (
    AccessTokenSerializer,
    OptionsSerializer,
    PasskeyLoginSerializer,
    PasskeyRegisterSerializer,
    PasskeyRenameSerializer,
    PasskeySerializer,
    ReauthenticateSerializer,
)
from accounts.passkeys.throttling import PasskeyOptionsRateThrottle, ReauthenticateRateThrottle
from accounts.serializers import TokenResponseSerializer
from accounts.sessions.opening import SessionLimitReached
from accounts.sessions.tokens import seconds_until
from accounts.throttling import AuthRateThrottle
from accounts.views import (
    NO_STORE,
    CountedLoginView,
    PublicAuthView,
    SessionLimitConflict,
    device_name_of,
    session_client,
    token_response_data,
)
from common import metrics
from common.net import client_ip
from common.openapi import ErrorSerializer

RECENT = (IsAuthenticated, RecentAuthentication)
LOGIN_FAILED = "Passkey login failed."


class PasskeyRefused(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = _("The passkey could not be registered.")
    default_code = "passkey_invalid"


class ReauthenticationFailed(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = _("The password or passkey is not right.")
    default_code = "reauthentication_failed"


class RegistrationOptionsView(APIView):
    permission_classes = RECENT

    @extend_schema(
        summary="Start adding a passkey: creation options",
        request=None,
        responses={200: OptionsSerializer, 403: REAUTH_RESPONSE},
    )
    def post(self, request):
        request.data  # noqa: B018 - enforce JSON-only bodies (415)
        options = passkey_services.registration_options_issue(user=request.user)
        return Response({"publicKey": options}, headers=NO_STORE)


class PasskeyListView(generics.ListAPIView):
    serializer_class = PasskeySerializer

    @extend_schema(summary="List the caller's passkeys")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.passkey_list_for_user(user=self.request.user)


class PasskeyRegisterView(APIView):
    permission_classes = RECENT

    @extend_schema(
        summary="Add a passkey: the attestation to the creation options' challenge",
        description="400 codes: `challenge_invalid` (not issued to this user for a registration, used, or "
        "older than `WEBAUTHN_CHALLENGE_SECONDS`), `passkey_invalid` (origin not in `WEBAUTHN_ORIGINS`, rp id "
        "hash, user not verified, bad attestation), `credential_exists`, `malformed`.",
        request=PasskeyRegisterSerializer,
        responses={201: PasskeySerializer, 403: REAUTH_RESPONSE},
    )
    def post(self, request):
        serializer = PasskeyRegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            passkey = passkey_services.passkey_register(
                user=request.user,
                credential=serializer.validated_data["credential"],
                name=serializer.validated_data.get("name", ""),
                ip_address=client_ip(request),
            )
        except passkey_services.RegistrationRefused as exc:
            raise PasskeyRefused(code=exc.code) from exc
        return Response(PasskeySerializer(passkey).data, status=status.HTTP_201_CREATED)


class PasskeyDetailView(APIView):
    def get_permissions(self):
        # Renaming is harmless; removing a way in needs a recent authentication.
        return [
            permission() for permission in (RECENT if self.request.method == "DELETE" else (IsAuthenticated,))
        ]

    @extend_schema(
        summary="Rename one of the caller's passkeys",
        request=PasskeyRenameSerializer,
        responses={200: PasskeySerializer, 404: ErrorSerializer},
    )
    def patch(self, request, pk):
        serializer = PasskeyRenameSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        passkey = passkey_services.passkey_rename(
            user=request.user, passkey_id=pk, name=serializer.validated_data["name"]
        )
        if passkey is None:
            raise NotFound(_("No such passkey."))
        return Response(PasskeySerializer(passkey).data)

    @extend_schema(
        summary="Remove one of the caller's passkeys",
        responses={204: None, 403: REAUTH_RESPONSE, 404: ErrorSerializer},
    )
    def delete(self, request, pk):
        if not passkey_services.passkey_delete(
            passkey_id=pk, user_id=request.user.pk, ip_address=client_ip(request)
        ):
            raise NotFound(_("No such passkey."))
        return Response(status=status.HTTP_204_NO_CONTENT)


class LoginOptionsView(PublicAuthView):
    throttle_classes = (PasskeyOptionsRateThrottle,)

    @extend_schema(
        summary="Start a passkey login: request options for any discoverable passkey",
        request=None,
        responses={200: OptionsSerializer},
    )
    def post(self, request):
        request.data  # noqa: B018 - enforce JSON-only bodies (415)
        return Response({"publicKey": passkey_services.authentication_options_issue()}, headers=NO_STORE)


class PasskeyLoginView(CountedLoginView):
    throttle_classes = (AuthRateThrottle,)

    @extend_schema(
        summary="Log in with a passkey: a new session for this device",
        description="The assertion to the login options' challenge. Every failure (unknown credential, bad "
        "signature, challenge unknown, used or expired, wrong origin or rp id, user not verified, counter "
        "gone backwards, userHandle not the owner's, inactive user) is the same 401.",
        request=PasskeyLoginSerializer,
        parameters=[DPOP_PROOF_PARAMETER],
        responses={
            200: TokenResponseSerializer,
            401: ErrorSerializer,
            409: ErrorSerializer,
        },
    )
    def post(self, request):
        data = self.validated(PasskeyLoginSerializer, request)
        try:
            client = session_client(request)
        except AuthenticationFailed:  # a DPoP proof required or wrong: the assertion was not checked
            metrics.login("rejected")
            raise
        try:
            issued = passkey_services.passkey_login(
                credential=data["credential"], device_name=device_name_of(data, client), client=client
            )
        except passkey_services.AssertionRefused as exc:
            metrics.login("failed")
            raise AuthenticationFailed(_(LOGIN_FAILED), code="authentication_failed") from exc
        except SessionLimitReached as exc:
            metrics.login("session_limit")
            raise SessionLimitConflict from exc
        metrics.login("ok")
        return Response(token_response_data(issued, issued.session.user), headers=NO_STORE)


class ReauthenticateView(APIView):
    throttle_classes = (ReauthenticateRateThrottle,)

    @extend_schema(
        summary="Authenticate again: a fresh access token of this session",
        description="With `password`, or with `credential`: an assertion to a challenge of "
        "`/api/auth/passkeys/login/options/` by one of the caller's passkeys. The answer is an access "
        "token of the same session with a fresh `auth_time`; the session's next refreshes keep it. "
        "400 `reauthentication_failed` for a wrong password or assertion.",
        request=ReauthenticateSerializer,
        responses={200: AccessTokenSerializer},
    )
    def post(self, request):
        serializer = ReauthenticateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            access = passkey_services.reauthenticate(
                user=request.user,
                session_id=request.auth.session_id,
                password=data.get("password"),
                credential=data.get("credential"),
                ip_address=client_ip(request),
            )
        except passkey_services.ReauthenticationRefused as exc:
            raise ReauthenticationFailed from exc
        except passkey_services.SessionGone as exc:
            raise session_ended(
                "The session of this token has ended.", code="session_revoked", reason=None
            ) from exc
        body = {
            "access": str(access),
            "token_type": "DPoP" if binding.token_jkt(access) else "Bearer",
            "expires_in": seconds_until(access.expires_at, timezone.now()),
        }
        return Response(body, headers=NO_STORE)
