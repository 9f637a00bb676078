"""Text a client chose (a device name, a User-Agent, a profile name) kept as data wherever it lands.

Such text is checked where it comes in (``OneLineValidator``, in the API ``common.fields.OneLineCharField``: one line, no control character,
no bidirectional override or isolate) and shown inert where it goes out: ``show_unsafe`` for the
admin and logs, ``quote`` for mails. Text stored before the check, or from a header no one
validates (the User-Agent), may still hold those characters; the showing functions never pass
them on as they are.
"""

import json
import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator
from django.utils.deconstruct import deconstructible

# Controls (C0, DEL and C1, which hold every line break but two), those two (the Unicode line
# and paragraph separators) and the bidirectional embeddings, overrides and isolates, which
# can make text read in another order than it is stored (a "Trojan Source" name).
UNSAFE_CHARACTERS = r"\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(f"[{UNSAFE_CHARACTERS}]")


def find_unsafe(text: str) -> str | None:
    """Return the first character of ``text`` that a one-line field refuses, or None."""
    found = _UNSAFE.search(text)
    return found.group() if found else None


def strip_unsafe(text: str) -> str:
    """Return ``text`` without the characters a one-line field refuses."""
    return _UNSAFE.sub("", text)


_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def show_unsafe(text: str) -> str:
    """Return ``text`` with each refused character written as its escape (``\\n``, ``\\u202e``), visibly.

    The escapes are JSON's (and JavaScript's), so that ``quote`` stays a JSON string.
    """
    return _UNSAFE.sub(_escape, text)


def _escape(found: re.Match) -> str:
    char = found.group()
    return _SHORT_ESCAPES.get(char) or f"\\u{ord(char):04x}"


def quote(text: str) -> str:
    """Return ``text`` in double quotes, as a JSON string with every refused character escaped.

    The quotes and the escapes mark where the client's text begins and ends: a quote inside
    it cannot close it early, and nothing in it can start a line of its own.
    """
    return show_unsafe(json.dumps(text, ensure_ascii=False))


@deconstructible
class OneLineValidator(RegexValidator):
    """Refuse text holding a control character, a line separator or a bidirectional override.

    A RegexValidator, so that drf-spectacular publishes the rule as the field's ``pattern``
    (``\\A``/``\\Z`` become ECMA's ``^``/``$``); the message names the character found. The
    pattern asks for a character at least: whether a blank value is taken is the field's
    business (``allow_blank``), which drf-spectacular publishes as a ``maxLength: 0`` alternative
    that must not overlap the pattern.
    """

    regex = rf"\A[^{UNSAFE_CHARACTERS}]+\Z"
    code = "one_line"
    message = (
        "Must be one line without control characters (U+0000-U+001F, U+007F-U+009F), "
        "line separators (U+2028, U+2029) or bidirectional formatting (U+202A-U+202E, U+2066-U+2069)"
    )

    def __call__(self, value):
        character = find_unsafe(str(value))
        if character is not None:
            raise DjangoValidationError(
                f"{self.message}; found U+{ord(character):04X}.", code=self.code, params={"value": value}
            )
