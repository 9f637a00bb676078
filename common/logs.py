"""Log formatters that keep tokens, passwords and Authorization headers out of every line.

Applied to the whole formatted line, traceback included, so that nothing a library or an
exception message carries (a token in a query string, a header in an error) reaches a log.
"""

import logging
import logging.config
import re
from collections.abc import Iterable
from typing import NamedTuple

from pythonjsonlogger.json import JsonFormatter

from common.client_text import show_unsafe


class Redaction(NamedTuple):
    """One kind of secret a log line may hold: how to find it, and what to write instead."""

    name: str
    pattern: re.Pattern[str]
    replacement: str


# A secret's name: a password, a token (reset, access, refresh, CSRF...) or a secret of any kind.
# It starts a word: a match never starts inside one, so a long word costs one scan, not one per letter.
_SECRET_NAME = r"(?<![A-Za-z_])[A-Za-z_]*(?:password|token|secret)"

REDACTIONS = (
    # An Authorization header's credentials, in any of the schemes clients send.
    Redaction(
        "authorization_scheme",
        re.compile(r"\b(Bearer|DPoP|Basic|Token|JWT)\s+[^\s'\",}]+", re.IGNORECASE),
        r"\1 [redacted]",
    ),
    # An Authorization header as a key and value (a dict of headers, a WSGI environ).
    Redaction(
        "authorization_header",
        re.compile(r"""(['"]?(?:HTTP_)?AUTHORIZATION['"]?\s*[:=]\s*)(['"])[^'"]*\2""", re.IGNORECASE),
        r"\1\2[redacted]\2",
    ),
    # A JWT (and a DPoP proof): its header is base64url JSON, so it starts with "eyJ". Not inside a
    # base64url run (linear time again); a JWT glued to one still loses its payload and signature.
    Redaction(
        "jwt",
        re.compile(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*)?"),
        "[redacted token]",
    ),
    # A secret as a quoted key and value of a dict or JSON body: "password": "...", 'token': '...'.
    # The value ends at the first quote of its kind that no backslash escapes, or with the line.
    Redaction(
        "quoted_secret",
        re.compile(
            rf"""(['"]?{_SECRET_NAME}['"]?\s*[:=]\s*)(['"])(?:\\.|(?!\2)[^\\\n])*\2?""", re.IGNORECASE
        ),
        r"\1\2[redacted]\2",
    ),
    # The same inside a string that was JSON-encoded once more (a JSON log line quoting a JSON
    # body): \"password\": \"...\". In there a quote of the value is \\\", a backslash \\\\, an
    # escape \\n or \n, and the first other \" (or the end of the encoded string) ends the value.
    Redaction(
        "json_escaped_secret",
        re.compile(
            rf'(\\"{_SECRET_NAME}\\"\s*:\s*)\\"(?:\\\\\\\\|\\\\\\"|(?:\\){{0,2}}[^\\"])*(?:\\")?',
            re.IGNORECASE,
        ),
        r'\1\\"[redacted]\\"',
    ),
    # A secret as a parameter of a query string, a fragment or a form body: ?token=...,
    # #uid=...&token=..., password=...&new_password=... (the value ends where the parameter does).
    Redaction(
        "secret_parameter",
        re.compile(rf"""({_SECRET_NAME}=)[^&#\s'"<>]+""", re.IGNORECASE),
        r"\1[redacted]",
    ),
    # The uid of a reset link's uid/token pair (base64url): which account the link resets.
    Redaction(
        "reset_link_uid",
        re.compile(r"\b(uid=)[A-Za-z0-9_%-]+(?=&[A-Za-z_]*token=)", re.IGNORECASE),
        r"\1[redacted]",
    ),
)


def redact(text: str, redactions: Iterable[Redaction] = REDACTIONS) -> str:
    """Return ``text`` with tokens, credentials and passwords replaced by a placeholder."""
    for redaction in redactions:
        text = redaction.pattern.sub(redaction.replacement, text)
    return text


class RedactingFormatter(logging.Formatter):
    """A plain-text formatter whose every line goes through ``redact``."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))

    def formatMessage(self, record: logging.LogRecord) -> str:
        """Return the record's line with its line breaks, controls and bidi characters as escapes.

        A message may carry text a client chose (a path, a header, a device name): a line break
        in it would start a line that reads as the server's own, with any ``key=value`` it
        likes. Redacted first, as the escapes would hide the whitespace the patterns look for;
        the traceback, which ``format`` appends after this, keeps its lines.
        """
        return show_unsafe(redact(super().formatMessage(record)))


class RedactingJsonFormatter(JsonFormatter):
    """One JSON object per line (python-json-logger), through ``redact`` like the text one."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure(config: dict) -> None:
    """Apply ``settings.LOGGING``, and route Python warnings through it (one format on stderr)."""
    logging.config.dictConfig(config)
    logging.captureWarnings(True)
