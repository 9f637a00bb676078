"""Reads about users: which users a user may see."""

from accounts.models import User


def user_list_visible_to(*, user):
    """Return the users ``user`` may see, by id: everyone for staff, else only themself."""
    users = User.objects.order_by("id")
    if user.is_staff:
        return users
    return users.filter(pk=user.pk)
