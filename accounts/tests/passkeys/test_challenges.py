"""Challenges: random, stored by digest only, pruned once expired (on issue and by prune_sessions)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import WebAuthnChallenge
from accounts.tests.helpers import run
from accounts.tests.passkeys.conftest import LOGIN_OPTIONS_URL

pytestmark = pytest.mark.django_db


def issue():
    return APIClient().post(LOGIN_OPTIONS_URL).json()["publicKey"]["challenge"]


def test_the_database_holds_a_digest_never_the_challenge(settings):
    challenge = issue()
    row = WebAuthnChallenge.objects.get()
    assert challenge not in row.digest and len(row.digest) == 64
    assert row.ceremony == "authentication" and row.user is None
    assert row.expires_at - row.created_at == timedelta(seconds=settings.WEBAUTHN_CHALLENGE_SECONDS)


def test_issuing_prunes_the_expired_ones(settings):
    issue()
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.WEBAUTHN_CHALLENGE_SECONDS + 1)):
        issue()
        assert WebAuthnChallenge.objects.count() == 1


def test_prune_sessions_deletes_expired_challenges(settings):
    issue()
    assert "Would delete 0 expired passkey challenge(s)." in run("prune_sessions", "--dry-run")
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.WEBAUTHN_CHALLENGE_SECONDS + 1)):
        assert "Would delete 1 expired passkey challenge(s)." in run("prune_sessions", "--dry-run")
        assert WebAuthnChallenge.objects.count() == 1
        assert "Deleted 1 expired passkey challenge(s)." in run("prune_sessions")
    assert not WebAuthnChallenge.objects.exists()
