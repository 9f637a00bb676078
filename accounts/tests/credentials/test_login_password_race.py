"""A login or a password change racing another password change, on PostgreSQL with one connection per thread.

No session may outlive the password it was opened with, whatever path changed the password.
Two interleavings are forced: the change committed between the login's authentication and its
session (an authentication backend that pauses there), and the change still in flight, its
transaction holding the user's row while the login or the other change waits on it.
"""

import threading
import uuid

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.db import connections, transaction
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.test import APIClient

from accounts.credentials.password import user_change_password
from accounts.credentials.reset import password_reset_complete
from accounts.models import DeviceSession, User
from accounts.sessions.opening import SessionClient
from accounts.tests.concurrency import ON_POSTGRESQL, database_conninfo
from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tests.helpers import PASSWORD_CHANGE_URL, bearer
from testing import servers
from testing.faults import lock_waiters

pytestmark = ON_POSTGRESQL

LOGIN_URL = "/api/auth/login/"
NEW_PASSWORD = "the-New-passw0rd-of-the-race"
CALLER_PASSWORD = "the-Caller-s-new-passw0rd"
CHANGER_AGENT = "the device that changed the password"
TIMEOUT = 30


def waiting_on_a_lock():
    return lock_waiters(database_conninfo()) > 0


def wait_until(predicate, what):
    servers.wait_until(predicate, TIMEOUT, what)


class InThread:
    """Run ``call()`` in a thread with its own database connection; ``result()`` waits for it."""

    def __init__(self, call):
        self.value = self.error = None
        self.thread = threading.Thread(target=self._run, args=(call,))
        self.thread.start()

    def _run(self, call):
        try:
            self.value = call()
        except BaseException as exc:  # handed to the test's thread by result()
            self.error = exc
        finally:
            connections.close_all()

    def result(self):
        self.thread.join(TIMEOUT)
        assert not self.thread.is_alive(), "the thread did not finish"
        if self.error is not None:
            raise self.error
        return self.value


def log_in(user, password=PASSWORD):
    response = APIClient().post(LOGIN_URL, {"email": user.email, "password": password}, format="json")
    return response.status_code, response.json()


def wrong_password_answer(user):
    return log_in(user, password="not-the-password")


def live_sessions(user):
    """Return the user's live sessions but the one a password change over the API opened for itself."""
    return DeviceSession.objects.live(timezone.now()).filter(user=user).exclude(user_agent=CHANGER_AGENT)


# --- Ways to change a password (each in the calling thread's transaction) --------------------


def by_set_password(user):
    user.set_password(NEW_PASSWORD)
    user.save()


def by_admin_form(user):
    form = AdminPasswordChangeForm(user, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert form.is_valid(), form.errors
    form.save()


def by_reset_link(user):
    password_reset_complete(
        uid=urlsafe_base64_encode(force_bytes(user.pk)),
        token=default_token_generator.make_token(user),
        new_password=NEW_PASSWORD,
        ip_address=None,
    )


def by_the_api_service(user):
    user.check_password(PASSWORD)  # as the endpoint's serializer does first
    user_change_password(
        user=user,
        new_password=NEW_PASSWORD,
        session_id=str(uuid.uuid4()),
        client=SessionClient(user_agent=CHANGER_AGENT, ip_address=None),
    )


CHANGES = [by_set_password, by_admin_form, by_reset_link, by_the_api_service]


def change_held_open(user, change):
    """Make ``change`` in another thread's transaction and keep it uncommitted; return (commit, thread)."""
    changed, release = threading.Event(), threading.Event()

    def hold():
        with transaction.atomic():
            change(User.objects.get(pk=user.pk))
            changed.set()
            assert release.wait(TIMEOUT), "never released"

    thread = InThread(hold)
    wait_until(changed.is_set, "the change is made")
    return release.set, thread


# --- The change committed between authentication and the session ----------------------------


class PausingBackend(ModelBackend):
    """Django's backend, stopping after a successful authentication until the test lets it go on."""

    authenticated = threading.Event()
    resume = threading.Event()

    def authenticate(self, request, **credentials):
        user = super().authenticate(request, **credentials)
        if user is not None:
            self.authenticated.set()
            assert self.resume.wait(TIMEOUT), "never resumed"
        return user


@pytest.fixture
def paused_login(settings):
    settings.AUTH_THROTTLE_RATE = "none"
    settings.AUTHENTICATION_BACKENDS = [f"{__name__}.PausingBackend"]
    PausingBackend.authenticated.clear()
    PausingBackend.resume.clear()
    yield
    PausingBackend.resume.set()


@pytest.mark.parametrize("change", CHANGES)
def test_a_password_changed_after_authentication_fails_the_login(paused_login, change):
    user = UserFactory()
    login = InThread(lambda: log_in(user))
    wait_until(PausingBackend.authenticated.is_set, "the login has authenticated")
    change(User.objects.get(pk=user.pk))  # committed
    PausingBackend.resume.set()
    status, body = login.result()
    assert status == 401
    assert (status, body) == wrong_password_answer(user)
    assert not live_sessions(user).exists()
    assert log_in(user, NEW_PASSWORD)[0] == 200


def test_a_rehash_of_the_same_password_meanwhile_still_logs_in(paused_login):
    # A concurrent login after a hasher upgrade stores a new hash of the same password.
    user = UserFactory()
    login = InThread(lambda: log_in(user))
    wait_until(PausingBackend.authenticated.is_set, "the login has authenticated")
    User.objects.filter(pk=user.pk).update(password=make_password(PASSWORD))
    PausingBackend.resume.set()
    status, body = login.result()
    assert status == 200, body
    assert list(live_sessions(user).values_list("pk", flat=True)) == [uuid.UUID(body["session"]["id"])]


def test_a_user_deactivated_after_authentication_fails_the_login(paused_login):
    user = UserFactory()
    login = InThread(lambda: log_in(user))
    wait_until(PausingBackend.authenticated.is_set, "the login has authenticated")
    User.objects.filter(pk=user.pk).update(is_active=False)
    PausingBackend.resume.set()
    assert login.result() == wrong_password_answer(user)
    assert not DeviceSession.objects.filter(user=user).exists()


# --- The change in flight, holding the user's row ---------------------------------------------


@pytest.mark.parametrize("change", CHANGES)
def test_a_login_waiting_on_a_password_change_fails_once_it_commits(change, settings):
    settings.AUTH_THROTTLE_RATE = "none"
    user = UserFactory()
    commit, changer = change_held_open(user, change)
    login = InThread(lambda: log_in(user))
    wait_until(waiting_on_a_lock, "the login waits on the user's row")
    commit()
    changer.result()
    assert login.result() == wrong_password_answer(user)
    assert not live_sessions(user).exists()


def test_a_password_change_waiting_on_a_reset_changes_nothing_once_it_commits(settings):
    settings.AUTH_THROTTLE_RATE = "none"
    user = UserFactory()
    status, tokens = log_in(user)
    assert status == 200
    commit, resetter = change_held_open(user, by_reset_link)

    def change_over_the_api():
        response = APIClient().post(
            PASSWORD_CHANGE_URL,
            {"current_password": PASSWORD, "new_password": CALLER_PASSWORD},
            format="json",
            **bearer(tokens["access"]),
        )
        return response.status_code, response.json()

    change = InThread(change_over_the_api)
    wait_until(waiting_on_a_lock, "the password change waits on the user's row")
    commit()
    resetter.result()
    status, body = change.result()
    assert status == 401
    assert body["code"] == "session_revoked" and body["reason"] == "password_reset"
    # The reset stands: its password works, the one the stale change asked for does not.
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)
    assert log_in(user, CALLER_PASSWORD)[0] == 401
    assert not live_sessions(user).exists()
