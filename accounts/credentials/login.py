"""Registering and logging in (with the mail about a new device); both open a session."""

from django.contrib.auth import authenticate
from django.contrib.auth.hashers import check_password
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.events import security_event_record
from accounts.models import SecurityEvent, User
from accounts.sessions.devices import device_is_new, new_device_mail
from accounts.sessions.opening import IssuedTokens, SessionClient, session_create, user_lock


class LoginFailed(Exception):
    """The email and password do not match an active user; ``outcome`` is how ``/metrics`` counts it."""

    def __init__(self, outcome: str = "failed"):
        super().__init__(outcome)
        self.outcome = outcome


class EmailTaken(Exception):
    """Another user already has this email address."""


def user_register(
    *,
    email: str,
    password: str,
    device_name: str,
    client: SessionClient,
    first_name: str = "",
    last_name: str = "",
) -> "IssuedTokens":
    """Create a user and open their first session; raise EmailTaken when the email is in use (also under a race).

    ``client.dpop_jkt`` binds the session to that key (accounts.dpop), as for the two below.
    """
    # One transaction: until it commits nobody else can see the user, let alone change their
    # password, so the first session cannot outlive the password it was opened with.
    with transaction.atomic():
        try:
            user = User.objects.create_user(
                email=email, password=password, first_name=first_name, last_name=last_name
            )
        except IntegrityError as exc:
            raise EmailTaken(email) from exc
        return session_create(user=user, device_name=device_name, client=client, user_locked=True)


def user_login(
    *,
    request: HttpRequest | None,
    email: str,
    password: str,
    device_name: str,
    client: SessionClient,
) -> "IssuedTokens":
    """Check the credentials and open a session; raise LoginFailed the same way for every failure.

    A password changed between the check and the session's commit, by whatever path, fails the
    login too (``_user_login_lock``): no session outlives the password it was opened with.
    """
    # Django's backend runs the hasher for unknown emails too, so timing tells nothing.
    user = authenticate(request, email=email, password=password)
    outcome = "failed"
    if user is not None:
        with transaction.atomic():
            if _user_login_lock(user=user, password=password):
                new_device = device_is_new(user=user, user_agent=client.user_agent)
                issued = session_create(
                    user=user, device_name=device_name, client=client, user_locked=True, new_device=new_device
                )
                if new_device:
                    new_device_mail(session=issued.session)
                return issued
        outcome = "rejected"  # the right password, changed (or the user deactivated) meanwhile
    email = User.objects.normalize_email(email)
    security_event_record(
        type=SecurityEvent.Type.LOGIN_FAILED,
        user_id=User.objects.filter(email=email).values_list("pk", flat=True).first(),
        ip_address=client.ip_address,
        email=email[:254],
    )
    raise LoginFailed(outcome)


def _user_login_lock(*, user: User, password: str) -> bool:
    """Lock the row of ``user``, who just authenticated with ``password``; return whether it still may log in.

    Runs first in the transaction that opens the session. The UPDATE of ``last_login`` is the
    lock and the check in one round trip: it matches only while the row holds the hash that
    authenticated and the user is active. A change committed since (the API, a reset, the admin,
    ``set_password()`` + ``save()``) makes it match nothing; one not yet committed makes it
    wait, then match nothing. From here to the commit the lock keeps the password as it is, and
    a change after the commit revokes the new session with the others. The row lock is also the
    one that queues concurrent logins under SESSION_MAX_PER_USER (``_session_room_make``).

    A hash that differs may still be the same password: a concurrent login rehashed it (after a
    hasher upgrade), so the password is checked once more against the locked row's hash.
    """
    now = timezone.now()
    if User.objects.filter(pk=user.pk, password=user.password, is_active=True).update(last_login=now):
        return True
    current = user_lock(user_id=user.pk)
    if current is None or not check_password(password, current):
        return False
    User.objects.filter(pk=user.pk).update(last_login=now)
    return True
