"""The mails the account protection sends: rendered from templates, sent through Django's mail API.

Each mail is built and sent only once the transaction that caused it commits (a rolled-back
login mails nobody), and never changes the answer of the request: a template that does not
render or a mail server that fails is logged, without the mail's body, and that is all. By
default the sending happens on a short-lived thread, so that no response waits on the mail
server, and the time a password-reset request takes does not tell whether the account exists.

The templates are ``accounts/email/<name>_subject.txt``, ``<name>.txt`` and ``<name>.html``;
a deployer overrides any of them from a directory in ``TEMPLATE_DIRS``. Text a client chose
(a device name, a User-Agent) never goes in a subject, and in a body only through the
``quoted`` filter (``{% load client_text %}``): in quotes, on a line of its own, labelled as the
device's words, so that it cannot pass for ours.
"""

import atexit
import logging
import threading
import time
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string

from accounts.app_settings import app_settings
from accounts.models import User
from common import metrics

logger = logging.getLogger("accounts.notifications")

REUSE = "reuse"
NEW_DEVICE = "new_device"
PASSWORD_RESET = "password_reset"
EXIT_WAIT_SECONDS = 5.0
# Django's backend that prints each mail on the server's standard output (EMAIL_URL=consolemail://).
CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"

# Threads still sending, so that tests (and a process about to exit) can wait for them.
_sending: set[threading.Thread] = set()
_sending_lock = threading.Lock()


def mail_render(*, name: str, user: User, context: Mapping[str, Any]) -> EmailMultiAlternatives:
    """Return the mail ``name`` to ``user``, its plain-text body and HTML alternative rendered."""
    context = {"user": user, **context}
    subject = render_to_string(f"accounts/email/{name}_subject.txt", context)
    # One line, whatever a deployer's template prints: a line break must not break the header.
    # Ours print no text a client chose (API.md), only the bodies do, through ``|quoted``.
    subject = " ".join(subject.split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"accounts/email/{name}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )
    message.attach_alternative(render_to_string(f"accounts/email/{name}.html", context), "text/html")
    return message


def console_mail_in_development() -> bool:
    """Return whether this is a development server that prints mail instead of sending it."""
    return settings.DEBUG and settings.EMAIL_BACKEND == CONSOLE_BACKEND


def mail_after_commit(*, name: str, user: User, context: Mapping[str, Any]) -> None:
    """Send the mail ``name`` to ``user`` once the current transaction commits; never raise."""
    context = dict(context)
    transaction.on_commit(lambda: _mail_send(name=name, user=user, context=context), robust=True)


def mail_sending_wait(timeout: float = 10.0) -> None:
    """Wait up to ``timeout`` seconds in all for the mails being sent on background threads."""
    deadline = time.monotonic() + timeout
    with _sending_lock:
        threads = list(_sending)
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))


# A process that stops the ordinary way (a gunicorn worker ending gracefully) gives the mails
# in flight a few seconds; one that is killed loses them (docs/account-protection.md).
atexit.register(mail_sending_wait, EXIT_WAIT_SECONDS)


def _mail_send(*, name: str, user: User, context: Mapping[str, Any]) -> None:
    """Render the mail and send it, on a thread of its own when so configured; log any failure."""
    try:
        message = mail_render(name=name, user=user, context=context)
    except Exception as exc:
        _log_failure(name=name, user_id=user.pk, step="render", exc=exc)
        return
    if not app_settings.EMAIL_SEND_IN_BACKGROUND:
        _deliver(name=name, user_id=user.pk, message=message)
        return
    thread = threading.Thread(
        target=_deliver,
        kwargs={"name": name, "user_id": user.pk, "message": message},
        name=f"mail-{name}",
        daemon=True,
    )
    with _sending_lock:
        _sending.add(thread)
    try:
        thread.start()
    except RuntimeError as exc:  # no thread to be had: send it here rather than lose it
        with _sending_lock:
            _sending.discard(thread)
        logger.warning("No thread to send the %s mail (%s); sending it inline", name, exc)
        _deliver(name=name, user_id=user.pk, message=message)


def _deliver(*, name: str, user_id: int, message: EmailMultiAlternatives) -> None:
    try:
        message.send()
    except Exception as exc:
        _log_failure(name=name, user_id=user_id, step="send", exc=exc)
    else:
        logger.info("Sent the %s mail to user %s", name, user_id)
    finally:
        with _sending_lock:
            _sending.discard(threading.current_thread())


def _log_failure(*, name: str, user_id: int, step: str, exc: Exception) -> None:
    metrics.mail_failure(step)
    # The exception's type and first line only: never the mail, which may hold a reset link.
    first_line = (str(exc).strip().splitlines() or [""])[0][:200]
    logger.error(
        "Could not %s the %s mail to user %s: %s: %s", step, name, user_id, type(exc).__name__, first_line
    )
