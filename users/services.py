"""Writes to a user's profile. Credentials and privileges are changed elsewhere, never here."""

PROFILE_FIELDS = ("first_name", "last_name")


def user_profile_update(*, user, data):
    """Apply the profile fields of ``data`` (first and last name) to ``user``; return it."""
    fields = [name for name in PROFILE_FIELDS if name in data]
    for name in fields:
        setattr(user, name, data[name])
    if fields:
        # update_fields keeps the save from writing the password hash or the flags back,
        # which could undo a concurrent password change or deactivation.
        user.save(update_fields=fields)
    return user
