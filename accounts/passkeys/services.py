"""Passkey ceremonies, passkey management and re-authentication: the rules; the views only translate.

Every WebAuthn check (client data, rp id hash, flags, signature, counter, attestation "none")
is py_webauthn's; what is ours is which challenge, credential and user a response must match.
"""

import secrets
from dataclasses import dataclass

from django.contrib.auth.hashers import check_password
from django.db import IntegrityError, transaction
from django.utils import timezone
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    options_to_json_dict,
    parse_authentication_credential_json,
    parse_registration_credential_json,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticationCredential,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from accounts.app_settings import app_settings
from accounts.events import security_event_record
from accounts.models import DeviceSession, Passkey, PasskeyUserHandle, SecurityEvent, User
from accounts.passkeys import selectors
from accounts.passkeys.challenges import (
    Ceremony,
    ChallengeInvalid,
    challenge_consume,
    challenge_issue,
    challenge_of,
)
from accounts.sessions.devices import device_is_new, new_device_mail
from accounts.sessions.opening import IssuedTokens, SessionClient, session_create
from accounts.sessions.refresh import session_live_token
from accounts.sessions.tokens import (
    AMR_PASSKEY,
    AMR_PASSWORD,
    SessionAccessToken,
)

DEFAULT_PASSKEY_NAME = "Passkey"
USER_HANDLE_BYTES = 32
# Anything a malformed response can make the parsers raise: a 4xx, never a 500.
MALFORMED = (WebAuthnException, ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError)


class RegistrationRefused(Exception):
    """The attestation cannot register a passkey; ``code`` says why (for the 400)."""

    def __init__(self, message: str, code: str = "passkey_invalid"):
        super().__init__(message)
        self.code = code


class AssertionRefused(Exception):
    """The assertion proves nothing: the message says why, for the log only."""

    def __init__(self, message: str, user_id: int | None = None):
        super().__init__(message)
        self.user_id = user_id


class ReauthenticationRefused(Exception):
    """Neither the password nor the assertion proves the caller is the session's user."""


class SessionGone(Exception):
    """The caller's session ended while it re-authenticated."""


def _expected_relying_party() -> dict:
    """Return what every response must match: our RP id, one of our origins, a verified user."""
    return {
        "expected_rp_id": app_settings.WEBAUTHN_RP_ID,
        "expected_origin": list(app_settings.WEBAUTHN_ORIGINS),
        "require_user_verification": True,
    }


# --- Registration ---------------------------------------------------------------------------


def user_handle_get_or_create(*, user: User) -> bytes:
    """Return the user's WebAuthn user handle, making a random one the first time (also under a race)."""
    handle = selectors.user_handle_get(user=user)
    if handle is not None:
        return handle
    try:
        with transaction.atomic():
            PasskeyUserHandle.objects.create(user=user, handle=secrets.token_bytes(USER_HANDLE_BYTES))
    except IntegrityError:
        pass  # a concurrent request made it first: that one counts
    return selectors.user_handle_get(user=user)


def registration_options_issue(*, user: User) -> dict:
    """Return the creation options (WebAuthn JSON) for a new passkey of ``user``, remembering their challenge."""
    options = generate_registration_options(
        rp_id=app_settings.WEBAUTHN_RP_ID,
        rp_name=app_settings.WEBAUTHN_RP_NAME,
        user_id=user_handle_get_or_create(user=user),
        user_name=user.email,
        user_display_name=user.get_full_name() or user.email,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=bytes(passkey.credential_id), transports=_transports(passkey))
            for passkey in selectors.passkey_list_for_user(user=user)
        ],
        timeout=app_settings.WEBAUTHN_CHALLENGE_SECONDS * 1000,
    )
    challenge_issue(challenge=options.challenge, ceremony=Ceremony.REGISTRATION, user=user)
    return options_to_json_dict(options)


def _transports(passkey: Passkey) -> list[AuthenticatorTransport] | None:
    known = {transport.value for transport in AuthenticatorTransport}
    return [AuthenticatorTransport(value) for value in passkey.transports if value in known] or None


def passkey_register(
    *, user: User, credential: dict, name: str = "", ip_address: str | None = None
) -> Passkey:
    """Verify the attestation ``credential`` (RegistrationResponseJSON) and store its passkey for ``user``.

    The challenge must be one issued to ``user`` for a registration, unused and unexpired; it
    is used up whatever comes next. Raise RegistrationRefused.
    """
    try:
        parsed = parse_registration_credential_json(credential)
        challenge = challenge_of(credential["response"]["clientDataJSON"])
    except (ChallengeInvalid, *MALFORMED) as exc:
        raise RegistrationRefused(f"malformed credential: {exc}", code="malformed") from exc
    try:
        challenge_consume(challenge=challenge, ceremony=Ceremony.REGISTRATION, user=user)
    except ChallengeInvalid as exc:
        raise RegistrationRefused(str(exc), code="challenge_invalid") from exc
    try:
        verified = verify_registration_response(
            credential=parsed,
            expected_challenge=challenge,
            **_expected_relying_party(),
        )
    except MALFORMED as exc:
        raise RegistrationRefused(str(exc)) from exc
    transports = [str(getattr(value, "value", value)) for value in parsed.response.transports or []]
    try:
        with transaction.atomic():
            passkey = Passkey.objects.create(
                user=user,
                credential_id=verified.credential_id,
                public_key=verified.credential_public_key,
                sign_count=verified.sign_count,
                transports=transports[:16],
                backup_eligible=verified.credential_device_type == "multi_device",
                backed_up=verified.credential_backed_up,
                aaguid=str(verified.aaguid)[:36],
                name=name or DEFAULT_PASSKEY_NAME,
            )
            security_event_record(
                type=SecurityEvent.Type.PASSKEY_ADDED,
                user_id=user.pk,
                ip_address=ip_address,
                passkey_id=passkey.pk,
            )
    except IntegrityError as exc:
        raise RegistrationRefused("this credential is already registered", code="credential_exists") from exc
    return passkey


def passkey_rename(*, user: User, passkey_id: int, name: str) -> Passkey | None:
    """Rename the passkey ``passkey_id`` of ``user``; return it, or None when ``user`` has no such passkey."""
    if not Passkey.objects.filter(pk=passkey_id, user=user).update(name=name):
        return None
    return Passkey.objects.get(pk=passkey_id)


def passkey_delete(*, passkey_id: int, user_id: int | None = None, ip_address: str | None = None) -> bool:
    """Delete the passkey ``passkey_id`` (of user ``user_id`` when given); return whether there was one.

    The API passes the caller's id; the admin none (``acting_as`` names the admin in the event).
    """
    passkeys = Passkey.objects.filter(pk=passkey_id)
    if user_id is not None:
        passkeys = passkeys.filter(user_id=user_id)
    with transaction.atomic():
        owner = passkeys.select_for_update().values_list("user_id", flat=True).first()
        if owner is None or not Passkey.objects.filter(pk=passkey_id).delete()[0]:
            return False
        security_event_record(
            type=SecurityEvent.Type.PASSKEY_REMOVED,
            user_id=owner,
            ip_address=ip_address,
            passkey_id=passkey_id,
        )
    return True


# --- Authentication -------------------------------------------------------------------------


def authentication_options_issue() -> dict:
    """Return request options (WebAuthn JSON) for any discoverable passkey, remembering their challenge."""
    options = generate_authentication_options(
        rp_id=app_settings.WEBAUTHN_RP_ID,
        allow_credentials=[],
        user_verification=UserVerificationRequirement.REQUIRED,
        timeout=app_settings.WEBAUTHN_CHALLENGE_SECONDS * 1000,
    )
    challenge_issue(challenge=options.challenge, ceremony=Ceremony.AUTHENTICATION)
    return options_to_json_dict(options)


@dataclass(frozen=True)
class Asserted:
    """A verified assertion: whose passkey it was."""

    passkey: Passkey
    user: User


def assertion_verify(*, credential: dict, user: User | None = None) -> Asserted:
    """Verify the assertion ``credential`` (AuthenticationResponseJSON) against an authentication challenge.

    The challenge is used up first, whatever comes next. The credential must be a stored
    passkey (of ``user`` when given) whose owner is active and whose user handle the response
    names; its signature counter must go forward unless it is zero and stays zero. On success
    the passkey's counter, backup state and last use are recorded. Raise AssertionRefused.
    """
    try:
        parsed = parse_authentication_credential_json(credential)
        challenge = challenge_of(credential["response"]["clientDataJSON"])
    except (ChallengeInvalid, *MALFORMED) as exc:
        raise AssertionRefused(f"malformed assertion: {exc}") from exc
    try:
        challenge_consume(challenge=challenge, ceremony=Ceremony.AUTHENTICATION)
    except ChallengeInvalid as exc:
        raise AssertionRefused(str(exc)) from exc
    passkey = selectors.passkey_get_by_credential_id(credential_id=parsed.raw_id)
    if passkey is None:
        raise AssertionRefused("unknown credential")
    if user is not None and passkey.user_id != user.pk:
        raise AssertionRefused("the passkey of another user", user_id=user.pk)
    _user_handle_check(parsed=parsed, passkey=passkey)
    try:
        verified = verify_authentication_response(
            credential=parsed,
            expected_challenge=challenge,
            credential_public_key=bytes(passkey.public_key),
            credential_current_sign_count=passkey.sign_count,
            **_expected_relying_party(),
        )
    except MALFORMED as exc:
        raise AssertionRefused(str(exc), user_id=passkey.user_id) from exc
    if not passkey.user.is_active:
        raise AssertionRefused("inactive user", user_id=passkey.user_id)
    _passkey_use_record(
        passkey=passkey, sign_count=verified.new_sign_count, backed_up=verified.credential_backed_up
    )
    return Asserted(passkey=passkey, user=passkey.user)


def _user_handle_check(*, parsed: AuthenticationCredential, passkey: Passkey) -> None:
    """Refuse an assertion whose userHandle is missing or is not the passkey owner's handle."""
    handle = selectors.user_handle_get(user=passkey.user)
    given = parsed.response.user_handle
    if given is None or handle is None or not secrets.compare_digest(bytes(given), handle):
        raise AssertionRefused("userHandle is not the owner's", user_id=passkey.user_id)


def _passkey_use_record(*, passkey: Passkey, sign_count: int, backed_up: bool) -> None:
    """Record the passkey's new counter and its use; refuse when a concurrent use moved the counter first.

    The UPDATE matches only the counter that was verified against: of two assertions made with
    the counter at one value, only one goes through (a cloned authenticator's, or a replay's).
    A counter that is zero and stays zero (authenticators that keep none) is no such evidence.
    """
    now = timezone.now()
    matching = Passkey.objects.filter(pk=passkey.pk)
    if sign_count:
        matching = matching.filter(sign_count=passkey.sign_count)
    if not matching.update(sign_count=sign_count, backed_up=backed_up, last_used_at=now):
        raise AssertionRefused("signature counter used concurrently", user_id=passkey.user_id)
    passkey.sign_count, passkey.backed_up, passkey.last_used_at = sign_count, backed_up, now


def passkey_login(*, credential: dict, device_name: str, client: "SessionClient") -> "IssuedTokens":
    """Verify the assertion and open a session as a password login does; raise AssertionRefused for every failure.

    The session: the same device name rules, cap, new-device mail and DPoP binding as
    ``user_login``, with ``amr`` ["hwk", "user"] and a ``passkey_login`` event.
    Each failure is recorded as a failed login.
    """
    try:
        asserted = assertion_verify(credential=credential)
        with transaction.atomic():
            # The user's row lock and the check that they are still active, in one UPDATE as a
            # password login takes it: it queues this login behind a deactivation in flight
            # (and with concurrent logins under SESSION_MAX_PER_USER).
            if not User.objects.filter(pk=asserted.user.pk, is_active=True).update(last_login=timezone.now()):
                raise AssertionRefused("inactive user", user_id=asserted.user.pk)
            new_device = device_is_new(user=asserted.user, user_agent=client.user_agent)
            issued = session_create(
                user=asserted.user,
                device_name=device_name,
                client=client,
                user_locked=True,
                new_device=new_device,
                amr=AMR_PASSKEY,
                event_type=SecurityEvent.Type.PASSKEY_LOGIN,
            )
            if new_device:
                new_device_mail(session=issued.session)
            return issued
    except AssertionRefused as exc:
        security_event_record(
            type=SecurityEvent.Type.LOGIN_FAILED,
            user_id=exc.user_id,
            ip_address=client.ip_address,
            method="passkey",
        )
        raise


# --- Re-authentication ----------------------------------------------------------------------


def reauthenticate(
    *,
    user: User,
    session_id: str,
    password: str | None = None,
    credential: dict | None = None,
    ip_address: str | None = None,
) -> SessionAccessToken:
    """Check the password or the passkey assertion of ``user``; return an access token of the same session, authenticated now.

    The session's ``auth_time`` and ``amr`` change too, so its next refresh keeps them.
    Raise ReauthenticationRefused for a wrong password or assertion, SessionGone when the
    session ended meanwhile.
    """
    if credential is not None:
        try:
            assertion_verify(credential=credential, user=user)
        except AssertionRefused as exc:
            raise ReauthenticationRefused(str(exc)) from exc
        amr = AMR_PASSKEY
    else:
        stored = User.objects.filter(pk=user.pk, is_active=True).values_list("password", flat=True).first()
        if stored is None or not password or not check_password(password, stored):
            raise ReauthenticationRefused("wrong password")
        amr = AMR_PASSWORD
    now = timezone.now()
    with transaction.atomic():
        sessions = DeviceSession.objects.live(now).filter(pk=session_id, user_id=user.pk)
        if not sessions.update(auth_time=now, amr=" ".join(amr)):
            raise SessionGone
        session = DeviceSession.objects.get(pk=session_id)
        security_event_record(
            type=SecurityEvent.Type.REAUTHENTICATED,
            user_id=user.pk,
            session_id=session_id,
            ip_address=ip_address,
            method=amr[0],
        )
    return session_access_token(session=session)


def session_access_token(*, session: DeviceSession) -> SessionAccessToken:
    """Return a new access token of ``session`` as it stands: its binding, ``auth_time`` and ``amr``.

    Made from the session's live refresh token (minted again with the same ``jti``, never
    handed out), so that it has every claim a refresh would give it and expires no later.
    """
    return session_live_token(session=session).access_token
