"""System checks of a production start that Django's own ``check --deploy`` does not make.

Tagged ``deploy`` like the mail checks (``accounts/checks.py``), they run with ``manage.py check
--deploy`` only, and report only with ``DJANGO_DEBUG=false``: a development server on localhost,
whose web client ``make run`` builds and whose static files WhiteNoise finds in the apps, is right
as it is. docs/deploy.md lists them.
"""

import ipaddress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.checks import CheckMessage, Error, Tags, Warning, register

DEPLOY_HINT = "See docs/deploy.md."
# What collectstatic leaves out by default (its --ignore patterns).
COLLECTSTATIC_IGNORED = ["CVS", ".*", "*~"]


def is_loopback(host: str) -> bool:
    """Return whether ``host`` (a name, an address, ``[::1]``) names this machine only."""
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@register(Tags.security, deploy=True)
def allowed_hosts_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Report, with DEBUG off, ALLOWED_HOSTS that name no host but this machine."""
    if settings.DEBUG or any(not is_loopback(host) for host in settings.ALLOWED_HOSTS):
        return []
    named = ", ".join(settings.ALLOWED_HOSTS) or "none"
    return [
        Error(
            f"DJANGO_ALLOWED_HOSTS names no host but this machine ({named}): every request for the "
            "site's public name gets 400.",
            hint="Set DJANGO_ALLOWED_HOSTS to the public host name(s), e.g. app.example.com. " + DEPLOY_HINT,
            id="common.E001",
        )
    ]


@register(Tags.security, deploy=True)
def cors_origins_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Report, with DEBUG off, CORS origins on the visitor's own machine (the development defaults)."""
    if settings.DEBUG:
        return []
    local = [
        origin for origin in settings.CORS_ALLOWED_ORIGINS if is_loopback(urlsplit(origin).hostname or "")
    ]
    if not local:
        return []
    return [
        Warning(
            f"CORS_ALLOWED_ORIGINS lets {', '.join(local)} call the API: pages served on each "
            "visitor's own machine, such as a development server's.",
            hint="List only the https origins of web clients served elsewhere, or set it empty when "
            "the web client is the one this app serves at /. " + DEPLOY_HINT,
            id="common.W001",
        )
    ]


@register(Tags.security, deploy=True)
def web_client_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Report, with DEBUG off, a web client that is not built: / would answer 503."""
    index = Path(settings.WHITENOISE_ROOT) / "index.html"
    if settings.DEBUG or index.is_file():
        return []
    return [
        Warning(
            f"The web client is not built ({index} is missing): / answers 503 where the web client "
            "and its password reset page should be.",
            hint="Build it with Node 20 (cd frontend && npm ci && npm run build) or copy a frontend/dist "
            "built elsewhere, then reload gunicorn. " + DEPLOY_HINT,
            id="common.W002",
        )
    ]


def stale_static_files() -> tuple[list[str], int]:
    """Return the static files that ``collectstatic`` would copy now, and how many there are in all.

    A file counts when STATIC_ROOT lacks it or holds an older copy, as collectstatic decides.
    """
    stale, total = [], 0
    for finder in finders.get_finders():
        for path, storage in finder.list(COLLECTSTATIC_IGNORED):
            total += 1
            prefix = getattr(storage, "prefix", None)
            collected = f"{prefix}/{path}" if prefix else path
            if not staticfiles_storage.exists(collected) or (
                staticfiles_storage.get_modified_time(collected) < storage.get_modified_time(path)
            ):
                stale.append(collected)
    return sorted(stale), total


@register(Tags.security, deploy=True)
def collected_static_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Report, with DEBUG off, static files missing from STATIC_ROOT or older there than their source.

    With DEBUG off WhiteNoise serves STATIC_ROOT only: the admin's and the API docs' CSS and
    scripts come from ``collectstatic``.
    """
    if settings.DEBUG:
        return []
    stale, total = stale_static_files()
    if not stale:
        return []
    return [
        Warning(
            f"Static files missing from STATIC_ROOT ({settings.STATIC_ROOT}) or older there than in the "
            f"code: {len(stale)} of {total}, first {stale[0]}. The admin and /api/docs/ are served "
            "without them, or with the older copies.",
            hint="Run manage.py collectstatic --noinput, then reload gunicorn. " + DEPLOY_HINT,
            id="common.W003",
        )
    ]
