"""Deleting an account: the user with their sessions, passkeys and todos, and one event that outlives them."""

from django.db import transaction

from accounts.events import security_event_record
from accounts.models import SecurityEvent, User


def user_delete(*, user_id: int, ip_address: str | None = None) -> bool:
    """Delete the user ``user_id`` with their sessions, passkeys and todos; return whether there was one.

    Every token of theirs is refused at once: their sessions' rows go in the same transaction,
    and the cached state is dropped after the commit (accounts.signals). One security event
    stays for the admins, naming the account by its former id only; the email is taken out of
    the user's earlier events, which stay (their user becomes NULL).
    """
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id).first()
        if user is None:
            return False
        for event in SecurityEvent.objects.filter(user_id=user_id).exclude(detail={}):
            if "email" in event.detail:
                detail = {key: value for key, value in event.detail.items() if key != "email"}
                SecurityEvent.objects.filter(pk=event.pk).update(detail=detail)
        security_event_record(
            type=SecurityEvent.Type.ACCOUNT_DELETED, ip_address=ip_address, deleted_user_id=user_id
        )
        user.delete()
    return True
