"""WebAuthn challenges: issued with a ceremony's options, found again from a response's clientDataJSON.

The database holds them, so every server process agrees on them, and each is consumed by one
DELETE: of two uses at the same moment, on any processes, only one deletes the row and goes on.
"""

import hashlib
import json
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone
from webauthn.helpers import base64url_to_bytes

from accounts.app_settings import app_settings
from accounts.models import User, WebAuthnChallenge

Ceremony = WebAuthnChallenge.Ceremony


class ChallengeInvalid(Exception):
    """The response names no challenge that is outstanding for this ceremony (and user)."""


def _digest(challenge: bytes) -> str:
    return hashlib.sha256(challenge).hexdigest()


def challenge_issue(*, challenge: bytes, ceremony: str, user: User | None = None) -> None:
    """Remember ``challenge`` for ``ceremony`` (and, for a registration, ``user``) until it expires.

    Expired challenges are deleted on the way, so the table holds only the outstanding ones
    (at most a few minutes' worth of option requests).
    """
    now = timezone.now()
    challenges_prune(now=now)
    WebAuthnChallenge.objects.create(
        digest=_digest(challenge),
        ceremony=ceremony,
        user=user,
        created_at=now,
        expires_at=now + timedelta(seconds=app_settings.WEBAUTHN_CHALLENGE_SECONDS),
    )


def challenges_expired(*, now=None) -> QuerySet[WebAuthnChallenge]:
    """Return the challenges that expired by ``now``: none of them can be used any more."""
    return WebAuthnChallenge.objects.filter(expires_at__lte=now or timezone.now())


def challenges_prune(*, now=None) -> int:
    """Delete the challenges that expired; return how many."""
    return challenges_expired(now=now).delete()[0]


def challenge_of(client_data_json: str) -> bytes:
    """Return the challenge that the base64url ``clientDataJSON`` of a response names; raise ChallengeInvalid."""
    try:
        client_data = json.loads(base64url_to_bytes(client_data_json))
        challenge = base64url_to_bytes(client_data["challenge"])
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ChallengeInvalid("clientDataJSON names no challenge") from exc
    if not challenge:
        raise ChallengeInvalid("empty challenge")
    return challenge


def challenge_consume(*, challenge: bytes, ceremony: str, user: User | None = None) -> None:
    """Use up ``challenge``: it must be outstanding, unexpired, of ``ceremony`` (and issued to ``user``).

    One DELETE with every condition: on PostgreSQL a concurrent DELETE of the same row waits
    for the first and then finds nothing; SQLite runs one write at a time. A challenge that
    matches but for its user or ceremony stays where it is (its own ceremony may still use it).
    """
    matching = WebAuthnChallenge.objects.filter(
        digest=_digest(challenge), ceremony=ceremony, expires_at__gt=timezone.now()
    )
    if ceremony == Ceremony.REGISTRATION:
        matching = matching.filter(user=user)
    if not matching.delete()[0]:
        raise ChallengeInvalid("unknown, used or expired challenge")
