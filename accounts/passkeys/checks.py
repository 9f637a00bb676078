"""System checks of the passkey settings: a mistake here fails every ceremony, so it stops the start."""

from typing import Any
from urllib.parse import urlsplit

from django.core.checks import CheckMessage, Error, Tags, Warning, register

from accounts.app_settings import app_settings

HINT = "See docs/passkeys.md, 'Relying party id and origins'."


def _host_within(host: str, rp_id: str) -> bool:
    return host == rp_id or host.endswith("." + rp_id)


@register(Tags.security)
def passkey_settings_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Report an RP id or an origin that no browser would accept, and durations out of range."""
    messages: list[CheckMessage] = []
    rp_id = app_settings.WEBAUTHN_RP_ID
    if not rp_id or any(char in rp_id for char in ":/ ") or rp_id.startswith(".") or rp_id.endswith("."):
        messages.append(
            Error(
                f"WEBAUTHN_RP_ID {rp_id!r} is not a host name (no scheme, port or path).",
                hint=HINT,
                id="accounts.E010",
            )
        )
    if not app_settings.WEBAUTHN_ORIGINS:
        messages.append(
            Error("WEBAUTHN_ORIGINS is empty: no page could use a passkey.", hint=HINT, id="accounts.E011")
        )
    for origin in app_settings.WEBAUTHN_ORIGINS:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query:
            messages.append(
                Error(
                    f"WEBAUTHN_ORIGINS has {origin!r}, which is not an origin (http(s)://host[:port]).",
                    hint=HINT,
                    id="accounts.E012",
                )
            )
        elif not _host_within(parts.hostname, rp_id):
            messages.append(
                Error(
                    f"WEBAUTHN_ORIGINS has {origin!r}, whose host is not {rp_id!r} nor under it: browsers "
                    "refuse passkey ceremonies there.",
                    hint=HINT,
                    id="accounts.E013",
                )
            )
        elif parts.scheme == "http" and parts.hostname != "localhost":
            messages.append(
                Warning(
                    f"WEBAUTHN_ORIGINS has {origin!r}: browsers offer passkeys over plain http only on localhost.",
                    hint=HINT,
                    id="accounts.W010",
                )
            )
    for name in ("WEBAUTHN_CHALLENGE_SECONDS", "REAUTH_MAX_AGE_SECONDS"):
        if getattr(app_settings, name) < 0 or (
            name == "WEBAUTHN_CHALLENGE_SECONDS" and app_settings.WEBAUTHN_CHALLENGE_SECONDS < 10
        ):
            messages.append(
                Error(
                    f"{name} is {getattr(app_settings, name)}: a challenge needs at least 10 s, an age cannot be negative.",
                    hint=HINT,
                    id="accounts.E014",
                )
            )
    return messages
