"""Log formatters that keep tokens, passwords and Authorization headers out of every line.

Applied to the whole formatted line, traceback included, so that nothing a library or an
exception message carries (a token in a query string, a header in an error) reaches a log.
"""

import logging
import logging.config
import re

from pythonjsonlogger.json import JsonFormatter

from common.client_text import show_unsafe

_REDACTIONS = (
    # An Authorization header's credentials, in any of the schemes clients send.
    (re.compile(r"\b(Bearer|DPoP|Basic|Token|JWT)\s+[^\s'\",}]+", re.IGNORECASE), r"\1 [redacted]"),
    (
        re.compile(r"""(['"]?(?:HTTP_)?AUTHORIZATION['"]?\s*[:=]\s*)(['"])[^'"]*\2""", re.IGNORECASE),
        r"\1\2[redacted]\2",
    ),
    # A JWT (and a DPoP proof): its header is base64url JSON, so it starts with "eyJ".
    (re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*)?"), "[redacted token]"),
    # A password (or a reset token) as a key and value of a dict, JSON or form body.
    (
        re.compile(
            r"""(['"]?[A-Za-z_]*(?:password|token|secret)['"]?\s*[:=]\s*)(['"])(?:(?!\2).)*\2""",
            re.IGNORECASE,
        ),
        r"\1\2[redacted]\2",
    ),
)


def redact(text: str) -> str:
    """Return ``text`` with tokens, credentials and passwords replaced by a placeholder."""
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
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
