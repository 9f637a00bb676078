"""A session's last use, as authenticated requests record it (the sessions list shows it)."""

from datetime import datetime, timedelta
from uuid import UUID

from django.utils import timezone

from accounts.models import DeviceSession

# How stale "last used" may get: authenticated requests record their use at most this often per
# session, so that the sessions list reflects use without a write on every request.
LAST_USED_RESOLUTION = timedelta(seconds=60)


def session_touch(*, session_id: UUID | str, last_used_at: datetime) -> bool:
    """Record that the session was used now, when its last use is older than LAST_USED_RESOLUTION.

    Return whether it wrote. The UPDATE re-checks the age, so concurrent requests write once.
    """
    now = timezone.now()
    threshold = now - LAST_USED_RESOLUTION
    if last_used_at >= threshold:
        return False
    return bool(
        DeviceSession.objects.filter(pk=session_id, last_used_at__lt=threshold).update(last_used_at=now)
    )
