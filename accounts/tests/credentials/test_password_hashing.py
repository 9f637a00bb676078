"""What a password costs: Argon2id at the settings' cost, old hashes upgraded at login, and a bound on hashing.

These tests hash with the project's own hasher (the other tests use MD5 for speed), at small
Argon2 parameters unless the test is about the default ones.
"""

import threading

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, check_password, identify_hasher, make_password
from django.test import Client
from rest_framework.test import APIClient

from accounts import checks, hashers
from accounts.models import DeviceSession, SecurityEvent, User
from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tests.helpers import SESSIONS_URL, bearer, refresh
from accounts.tests.test_metrics_counters import Counters
from common.tests.test_metrics import scrape, value

pytestmark = pytest.mark.django_db

HASHER = "accounts.hashers.ConfiguredArgon2PasswordHasher"
LOGIN_URL = "/api/auth/login/"


@pytest.fixture
def argon2(settings):
    """The project's hasher, at a small cost (the parameters still differ from any other test's)."""
    settings.PASSWORD_HASHERS = [HASHER, "django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    settings.ARGON2_MEMORY_KIB, settings.ARGON2_TIME_COST, settings.ARGON2_PARALLELISM = 1024, 1, 1
    settings.AUTH_THROTTLE_RATE = "none"
    return settings


def params(encoded):
    """Return (memory KiB, passes, lanes) of an Argon2 hash."""
    decoded = identify_hasher(encoded).decode(encoded)["params"]
    return decoded.memory_cost, decoded.time_cost, decoded.parallelism


def log_in(client, email, password=PASSWORD):
    return client.post(LOGIN_URL, {"email": email, "password": password}, format="json")


# --- The cost -------------------------------------------------------------------------------


def test_the_default_is_owasps_argon2id(settings):
    settings.PASSWORD_HASHERS = [HASHER]  # the ARGON2_* settings as config/settings.py defaults them
    encoded = make_password(PASSWORD)
    assert encoded.startswith("argon2$argon2id$")
    assert params(encoded) == (19456, 2, 1)
    assert check_password(PASSWORD, encoded)
    assert not check_password("not the password", encoded)


def test_the_parameters_come_from_the_settings(argon2):
    argon2.ARGON2_MEMORY_KIB, argon2.ARGON2_TIME_COST, argon2.ARGON2_PARALLELISM = 2048, 3, 2
    assert params(make_password(PASSWORD)) == (2048, 3, 2)


@pytest.mark.parametrize(
    ("memory", "passes", "lanes", "concurrency", "wait", "ids"),
    [
        (19456, 2, 1, 1, 5.0, []),
        (12288, 3, 1, 0, 0.5, []),  # OWASP's other pairs pass; 0 sets no bound
        (4096, 2, 1, 1, 5.0, ["accounts.W003"]),  # too cheap to guess against
        (19456, 0, 1, 1, 5.0, ["accounts.E007"]),
        (19456, 2, 0, 1, 5.0, ["accounts.E007"]),
        (15, 2, 2, 1, 5.0, ["accounts.E007"]),  # under 8 KiB per lane
        (19456, 2, 1, -1, 5.0, ["accounts.E008"]),
        (19456, 2, 1, 1, 0, ["accounts.E008"]),
    ],
)
def test_the_check_refuses_parameters_argon2_refuses_and_warns_below_owasp(
    settings, memory, passes, lanes, concurrency, wait, ids
):
    settings.ARGON2_MEMORY_KIB, settings.ARGON2_TIME_COST, settings.ARGON2_PARALLELISM = memory, passes, lanes
    settings.PASSWORD_HASH_CONCURRENCY, settings.PASSWORD_HASH_WAIT_SECONDS = concurrency, wait
    assert [message.id for message in checks.password_hashing_check()] == ids


# --- Old hashes, upgraded at login without logging anybody out -----------------------------


def stored_hash(user):
    return User.objects.values_list("password", flat=True).get(pk=user.pk)


@pytest.mark.parametrize("old", ["smaller parameters", "Django's default Argon2", "PBKDF2"])
def test_a_login_rewrites_an_old_hash_and_revokes_nothing(argon2, old):
    user = UserFactory()
    client = APIClient()
    first = log_in(client, user.email).json()
    if old == "smaller parameters":
        argon2.ARGON2_TIME_COST = 2
        previous = make_password(PASSWORD)
        argon2.ARGON2_TIME_COST = 1
    elif old == "Django's default Argon2":
        previous = Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt())
    else:
        previous = make_password(PASSWORD, hasher="pbkdf2_sha256")
    User.objects.filter(pk=user.pk).update(password=previous)  # as an older release stored it

    counters = Counters()
    response = log_in(client, user.email)
    assert response.status_code == 200, response.content
    upgraded = stored_hash(user)
    assert upgraded != previous
    assert params(upgraded) == (1024, 1, 1)
    assert check_password(PASSWORD, upgraded)
    # The rehash is no password change: both sessions live, nothing revoked or counted as revoked.
    assert refresh(client, first["refresh"]).status_code == 200
    assert refresh(client, response.json()["refresh"]).status_code == 200
    assert DeviceSession.objects.filter(user=user, revoked_at__isnull=True).count() == 2
    assert not SecurityEvent.objects.filter(type=SecurityEvent.Type.SESSION_REVOKED).exists()
    assert counters.moved("sessions_revoked_total") == {}
    assert counters.moved("auth_login_total") == {"ok": 1}
    # And the next login finds nothing to rewrite.
    assert log_in(client, user.email).status_code == 200
    assert stored_hash(user) == upgraded


def test_a_wrong_password_leaves_an_old_hash_alone(argon2):
    user = UserFactory()
    previous = make_password(PASSWORD, hasher="pbkdf2_sha256")
    User.objects.filter(pk=user.pk).update(password=previous)
    assert log_in(APIClient(), user.email, password="not the password").status_code == 401
    assert stored_hash(user) == previous


# --- The bound on concurrent hashing -------------------------------------------------------


class Held:
    """Hold one of the process's hashing slots on another thread until ``release()``."""

    def __init__(self):
        self.taken, self.done = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold, daemon=True)
        self.thread.start()
        assert self.taken.wait(5)

    def _hold(self):
        with hashers.hashing_slot():
            self.taken.set()
            self.done.wait(30)

    def release(self):
        self.done.set()
        self.thread.join(5)


@pytest.fixture
def hold_the_slot(argon2):
    """Return a function that takes the process's one hashing slot (waits of 0.3 s) until the test ends."""
    argon2.PASSWORD_HASH_CONCURRENCY = 1
    argon2.PASSWORD_HASH_WAIT_SECONDS = 0.3
    held = []
    yield lambda: held.append(Held()) or held[-1]
    for each in held:
        each.release()


def test_a_login_that_waits_too_long_gets_503_and_refreshes_keep_flowing(argon2, hold_the_slot):
    user = UserFactory()
    tokens = log_in(APIClient(), user.email).json()
    held = hold_the_slot()

    before, _ = scrape()
    response = log_in(APIClient(), user.email)
    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert response.json()["code"] == "password_hashing_busy"
    after, _ = scrape()
    assert (
        value(after, "password_hashing_refused_total") == value(before, "password_hashing_refused_total") + 1
    )
    assert DeviceSession.objects.filter(user=user).count() == 1
    # Requests that hash nothing do not wait for a slot.
    client = APIClient()
    renewed = refresh(client, tokens["refresh"])
    assert renewed.status_code == 200
    assert client.get(SESSIONS_URL, **bearer(renewed.json()["access"])).status_code == 200

    held.release()
    assert log_in(APIClient(), user.email).status_code == 200


def test_a_register_refused_for_want_of_a_slot_creates_nothing(argon2, hold_the_slot):
    hold_the_slot()
    response = APIClient().post(
        "/api/auth/register/",
        {"email": "new@example.com", "password": "a-Long-enough-passw0rd"},
        format="json",
    )
    assert response.status_code == 503
    assert not User.objects.filter(email="new@example.com").exists()


def test_the_admin_login_page_gets_a_503_page_not_a_500(argon2, hold_the_slot):
    staff = UserFactory(is_staff=True)
    hold_the_slot()
    response = Client().post("/admin/login/", {"username": staff.email, "password": PASSWORD})
    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert b"Service unavailable" in response.content


class Counting(hashers.ConfiguredArgon2PasswordHasher):
    """The project's hasher, noting how many threads are inside its hashing at once."""

    lock = threading.Lock()
    inside = most = 0

    def params(self):  # called by encode() within the slot, before the hash itself
        cls = type(self)
        with cls.lock:
            cls.inside += 1
            cls.most = max(cls.most, cls.inside)
        try:
            threading.Event().wait(0.2)
            return super().params()
        finally:
            with cls.lock:
                cls.inside -= 1


@pytest.mark.parametrize(("concurrency", "most"), [(1, 1), (2, 2), (0, 6)])
def test_hashing_threads_take_turns_within_the_bound(argon2, concurrency, most):
    argon2.PASSWORD_HASHERS = [f"{__name__}.Counting"]
    argon2.PASSWORD_HASH_CONCURRENCY = concurrency
    argon2.PASSWORD_HASH_WAIT_SECONDS = 30
    Counting.inside = Counting.most = 0
    start = threading.Barrier(6)
    hashes = []

    def hash_one():
        start.wait(5)
        hashes.append(make_password(PASSWORD))

    threads = [threading.Thread(target=hash_one) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(hashes) == 6
    assert Counting.most == most
