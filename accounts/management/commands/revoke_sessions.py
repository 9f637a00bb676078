"""Revoke device sessions in bulk: of some users, of everybody, or those left unused."""

import argparse

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts import events
from accounts.models import RevokeReason
from accounts.sessions import selectors
from accounts.sessions.revocation import (
    sessions_revoke_everybody,
    sessions_revoke_matching,
    sessions_revoke_of_users,
)


def days_argument(value):
    """Parse a whole number of days, at least 1."""
    try:
        days = int(value)
    except ValueError:
        days = 0
    if days < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of days, at least 1, not {value!r}")
    return days


class Command(BaseCommand):
    help = (
        "Revoke device sessions in bulk: their refresh and access tokens stop working at once. "
        "Each criterion is one write and one security event; given together, criteria add up. "
        "--all writes one revocation epoch, whatever the number of sessions; prune_sessions "
        "later writes it into the sessions' rows."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--user",
            action="append",
            default=[],
            dest="emails",
            metavar="EMAIL",
            help="Revoke every live session of the user with this email. Repeat for several users.",
        )
        parser.add_argument(
            "--all",
            action="store_true",
            dest="everybody",
            help="Revoke every live session of every user. Give it alone.",
        )
        parser.add_argument(
            "--inactive-days",
            type=days_argument,
            metavar="N",
            help="Revoke the live sessions not used (refreshed) for N days or more.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print how many sessions would be revoked, and change nothing.",
        )

    def handle(self, *args, emails, everybody, inactive_days, dry_run, **options):
        if not (emails or everybody or inactive_days):
            raise CommandError("Say which sessions to revoke: --user EMAIL, --all or --inactive-days N.")
        if everybody and (emails or inactive_days):
            raise CommandError("--all revokes every session already: give it alone.")

        # (what it is, the sessions it matches, how the service revokes them)
        criteria = []
        if everybody:
            criteria.append(
                (
                    "of every user",
                    selectors.sessions_live_created_by(),
                    lambda: sessions_revoke_everybody(reason=RevokeReason.COMMAND, criterion="all"),
                )
            )
        if emails:
            found, unknown = selectors.users_by_email(emails=emails)
            if unknown:
                raise CommandError(f"No user has the email {', '.join(unknown)}; nothing was revoked.")
            user_ids = sorted(found.values())
            criteria.append(
                (
                    f"of {', '.join(sorted(found))}",
                    selectors.sessions_live_of_users(user_ids=user_ids),
                    lambda: sessions_revoke_of_users(
                        user_ids=user_ids, reason=RevokeReason.COMMAND, criterion="users"
                    ),
                )
            )
        if inactive_days:
            criteria.append(
                (
                    f"unused for {inactive_days} day(s) or more",
                    selectors.sessions_inactive(days=inactive_days),
                    lambda: sessions_revoke_matching(
                        queryset=selectors.sessions_inactive(days=inactive_days),
                        reason=RevokeReason.COMMAND,
                        criterion="inactive_days",
                        days=inactive_days,
                    ),
                )
            )

        if dry_run:
            for label, sessions, _revoke in criteria:
                self.stdout.write(f"Would revoke {sessions.count()} session(s) {label}.")
            # A session can match several criteria: count it once.
            matched = criteria[0][1]
            for _label, sessions, _revoke in criteria[1:]:
                matched = matched | sessions
            self.stdout.write(self.style.SUCCESS(f"Would revoke {matched.count()} session(s) in all."))
            return

        total = 0
        # The events that the services record say that a command did it. One transaction:
        # all the criteria are revoked, or none.
        with events.acting_as(None, "command"), transaction.atomic():
            for label, _sessions, revoke in criteria:
                count = revoke()
                total += count
                self.stdout.write(f"Revoked {count} session(s) {label}.")
        self.stdout.write(self.style.SUCCESS(f"Revoked {total} session(s) in all."))
