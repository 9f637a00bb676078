"""Security events: one row per event (the admin's audit trail) and one log line (``accounts.security``).

Every service that logs someone in, rotates, revokes or resets records its event here,
attributed to whoever is acting (``acting_as``: the API, the admin, a command).
"""

import contextvars
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

from accounts.models import SecurityEvent, User

# One line per security event, for operators (the admin shows the same events from the table).
security_log = logging.getLogger("accounts.security")
_WARNING_EVENTS = {"refresh_reuse", "login_failed", "account_deleted"}


# Who is acting, for the security log, when a revocation is triggered indirectly
# (the password-change signal cannot know whether an admin or the user saved the user).
_actor = contextvars.ContextVar("accounts_actor", default=(None, "system"))


@contextmanager
def acting_as(actor: User | None, source: str) -> Iterator[None]:
    """Attribute the security events recorded inside the block to ``actor`` via ``source``."""
    token = _actor.set((actor, source))
    try:
        yield
    finally:
        _actor.reset(token)


def security_event_record(
    *,
    type: str,
    user_id: int | None = None,
    session_id: UUID | str | None = None,
    ip_address: str | None = None,
    reason: str = "",
    count: int = 1,
    **detail,
) -> SecurityEvent:
    """Record one security event, attributed to the current actor."""
    actor, source = _actor.get()
    event = SecurityEvent.objects.create(
        type=type,
        user_id=user_id,
        session_id=session_id,
        ip_address=ip_address,
        actor=actor if actor is not None and actor.pk != user_id else None,
        source=source,
        reason=reason,
        count=count,
        detail=detail,
    )
    fields = {
        "event": str(type),
        "user_id": user_id,
        "session_id": str(session_id) if session_id else None,
        "client_ip": ip_address,
        "source": source,
        "reason": str(reason) or None,
        "count": count,
        "actor_id": event.actor_id,
        "new_device": True if detail.get("new_device") else None,
    }
    security_log.log(
        logging.WARNING if type in _WARNING_EVENTS else logging.INFO,
        "security event %s",
        " ".join(f"{key}={value}" for key, value in fields.items() if value is not None),
        extra=fields,
    )
    return event
