"""Settle the revocations of every session, then delete the sessions that ended long ago and the old security events."""

import argparse
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts.app_settings import app_settings
from accounts.passkeys.challenges import challenges_expired, challenges_prune
from accounts.sessions import selectors
from accounts.sessions.housekeeping import (
    PRUNE_BATCH_SIZE,
    SETTLE_AFTER,
    revocation_epochs_settle,
    security_events_prune,
    sessions_prune,
)


def days_argument(value):
    """Parse a whole number of days, 0 or more."""
    try:
        days = int(value)
    except ValueError:
        days = -1
    if days < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number of days, 0 or more, not {value!r}")
    return days


def batch_size_argument(value):
    """Parse a batch size: 1 to 100,000 rows, so that no batch holds its locks for long."""
    try:
        size = int(value)
    except ValueError:
        size = 0
    if not 1 <= size <= 100_000:
        raise argparse.ArgumentTypeError(f"expected a number of rows from 1 to 100000, not {value!r}")
    return size


TOO_YOUNG = (
    f"it is settled once {SETTLE_AFTER.total_seconds() / 60:g} minutes old, "
    "by a later run (its sessions are refused meanwhile)."
)


def describe(epoch):
    return f"the revocation of every session at {epoch.revoked_at.isoformat(timespec='seconds')} ({epoch.reason})"


class Command(BaseCommand):
    help = (
        "First write each revocation of every session (revoke_sessions --all) into the rows of the "
        "sessions it revoked; then delete the sessions that expired or were revoked more than "
        "--older-than-days ago and the security events older than SECURITY_EVENT_RETENTION_DAYS. "
        "All in short batches; live sessions are never touched."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-days",
            type=days_argument,
            default=30,
            metavar="N",
            help="Delete the sessions that expired or were revoked more than N days ago (default: 30).",
        )
        parser.add_argument(
            "--events-older-than-days",
            type=days_argument,
            default=None,
            metavar="N",
            help=(
                "Delete the security events recorded more than N days ago "
                f"(default: the SECURITY_EVENT_RETENTION_DAYS setting, {app_settings.SECURITY_EVENT_RETENTION_DAYS})."
            ),
        )
        parser.add_argument(
            "--batch-size",
            type=batch_size_argument,
            default=PRUNE_BATCH_SIZE,
            metavar="N",
            help=(
                f"Rows deleted per batch, each batch its own short transaction (default: {PRUNE_BATCH_SIZE})."
            ),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print how many rows would be deleted, and delete nothing.",
        )

    def handle(self, *args, older_than_days, events_older_than_days, batch_size, dry_run, **options):
        if events_older_than_days is None:
            events_older_than_days = app_settings.SECURITY_EVENT_RETENTION_DAYS
        sessions_age = timedelta(days=older_than_days)
        events_age = timedelta(days=events_older_than_days)

        if dry_run:
            now = timezone.now()
            for epoch in selectors.revocation_epochs_unsettled():
                if epoch.revoked_at <= now - SETTLE_AFTER:
                    covered = selectors.sessions_to_settle(epoch=epoch).count()
                    self.stdout.write(f"Would settle {describe(epoch)}: write it into {covered} session(s).")
                else:
                    self.stdout.write(f"Would leave {describe(epoch)} unsettled: {TOO_YOUNG}")
            sessions = selectors.sessions_prunable(before=now - sessions_age).count()
            events = selectors.security_events_prunable(before=now - events_age).count()
            self.stdout.write(
                f"Would delete {sessions} session(s) ended more than {older_than_days} day(s) ago."
            )
            self.stdout.write(
                f"Would delete {events} security event(s) older than {events_older_than_days} day(s)."
            )
            challenges = challenges_expired(now=now).count()
            self.stdout.write(f"Would delete {challenges} expired passkey challenge(s).")
            return

        def progress(kind, verb="deleted"):
            def report(count):
                if options["verbosity"] >= 2:
                    self.stdout.write(f"  {verb} a batch of {count} {kind}")

            return report

        # First, so that the sessions an epoch revoked long enough ago are pruned like the others.
        settled = revocation_epochs_settle(batch_size=batch_size, on_batch=progress("sessions", "settled"))
        for each in settled:
            self.stdout.write(f"Settled {describe(each.epoch)}: wrote it into {each.sessions} session(s).")
        young = selectors.revocation_epochs_unsettled()
        for epoch in young:
            self.stdout.write(f"Left {describe(epoch)} unsettled: {TOO_YOUNG}")
        if not settled and not young:
            self.stdout.write("No revocation of every session to settle.")
        sessions = sessions_prune(
            older_than=sessions_age, batch_size=batch_size, on_batch=progress("sessions")
        )
        self.stdout.write(f"Deleted {sessions} session(s) ended more than {older_than_days} day(s) ago.")
        events = security_events_prune(
            older_than=events_age, batch_size=batch_size, on_batch=progress("security events")
        )
        self.stdout.write(f"Deleted {events} security event(s) older than {events_older_than_days} day(s).")
        # Options also prune them as they issue new ones; this covers a server that issued none since.
        challenges = challenges_prune()
        self.stdout.write(self.style.SUCCESS(f"Deleted {challenges} expired passkey challenge(s)."))
