"""factory_boy factories of the accounts app: users, and sessions made directly in the database."""

import uuid
from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import DeviceSession, User

PASSWORD = "a-long-enough-Passw0rd"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = "Ada"
    last_name = "Lovelace"
    password = factory.django.Password(PASSWORD)


class DeviceSessionFactory(factory.django.DjangoModelFactory):
    """A live session; ``created_at``, ``last_used_at`` and ``revoked_at`` make the other states."""

    class Meta:
        model = DeviceSession

    user = factory.SubFactory(UserFactory)
    device_name = factory.Sequence(lambda n: f"device {n}")
    user_agent = "pytest"
    ip_address = factory.Sequence(lambda n: f"10.0.{n // 250 % 250}.{n % 250 + 1}")
    refresh_jti = factory.LazyFunction(lambda: uuid.uuid4().hex)
    created_at = factory.LazyFunction(timezone.now)
    last_used_at = factory.LazyAttribute(lambda session: session.created_at)
    absolute_expires_at = factory.LazyAttribute(lambda session: session.created_at + timedelta(days=30))
    # As rotation sets it: a refresh lifetime after the last use, capped by the session's.
    expires_at = factory.LazyAttribute(
        lambda session: min(session.last_used_at + timedelta(days=7), session.absolute_expires_at)
    )
