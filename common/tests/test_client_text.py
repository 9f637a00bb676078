"""Text a client chose: the one-line rule (validator and serializer field) and the inert ways to show it."""

import json
import re

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.template import engines
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from common.client_text import OneLineValidator, find_unsafe, quote, show_unsafe, strip_unsafe
from common.fields import OneLineCharField

pytestmark = pytest.mark.django_db  # the suite's autouse fixtures clear the cache table

# Pure functions: many examples are cheap. Derandomized, so that a run is repeatable.
PROPERTY = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

# Both ends of each range the rule refuses, and a character inside each.
RANGES = [(0x00, 0x1F), (0x7F, 0x9F), (0x2028, 0x2029), (0x202A, 0x202E), (0x2066, 0x2069)]
REFUSED = sorted(
    {chr(code) for low, high in RANGES for code in (low, (low + high) // 2, high)} | set("\t\n\r")
)
# Just outside each range, and characters a real name holds: accents, scripts written right
# to left, emoji joined by ZWJ, the bidi marks (which reorder nothing around them).
ALLOWED = [
    " ",
    "~",
    "\xa0",
    "\u2027",
    "\u202f",
    "\u2065",
    "\u206a",
    "é",
    "ß",
    "ש",
    "ع",
    "\u200d",
    "\u200e",
    "\u200f",
]

# Text with many of the refused characters in it, and the rest of Unicode.
hostile_text = st.text(
    alphabet=st.one_of(st.sampled_from(REFUSED), st.characters(codec="utf-8")),
    max_size=60,
)


def refused_by_definition(text):
    return any(low <= ord(char) <= high for char in text for low, high in RANGES)


@pytest.mark.parametrize("char", REFUSED, ids=lambda char: f"U+{ord(char):04X}")
def test_every_character_of_the_refused_ranges_is_found_stripped_and_shown_as_an_escape(char):
    text = f"a{char}b"
    assert find_unsafe(text) == char
    assert strip_unsafe(text) == "ab"
    shown = show_unsafe(text)
    assert char not in shown
    assert shown == "a" + {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char, f"\\u{ord(char):04x}") + "b"
    assert json.loads(f'"{shown}"') == text  # JSON's escapes: quoting it needs nothing more
    with pytest.raises(DjangoValidationError) as refused:
        OneLineValidator()(text)
    assert refused.value.code == "one_line"
    assert f"U+{ord(char):04X}" in refused.value.messages[0]


@pytest.mark.parametrize("char", ALLOWED, ids=lambda char: f"U+{ord(char):04X}")
def test_characters_next_to_the_ranges_and_in_real_names_pass_untouched(char):
    text = f"a{char}b"
    assert find_unsafe(text) is None
    assert strip_unsafe(text) == show_unsafe(text) == text
    OneLineValidator()(text)


@PROPERTY
@given(hostile_text)
def test_the_rule_is_exactly_the_published_ranges(text):
    assert (find_unsafe(text) is not None) == refused_by_definition(text)
    # The pattern drf-spectacular publishes (with ECMA's anchors) says the same as the check.
    published = OneLineValidator.regex.replace(r"\A", "^").replace(r"\Z", "$")
    assert (re.fullmatch(published, text) is not None) == (text != "" and not refused_by_definition(text))


@PROPERTY
@given(hostile_text)
def test_stripped_and_shown_text_is_one_line_with_nothing_refused(text):
    for inert in (strip_unsafe(text), show_unsafe(text), quote(text)):
        assert find_unsafe(inert) is None
        assert len(inert.splitlines()) <= 1  # every line break Python knows, U+2028 and NEL included


@PROPERTY
@given(hostile_text)
def test_quote_is_a_json_string_that_gives_back_the_text_and_cannot_be_closed_early(text):
    quoted = quote(text)
    assert json.loads(quoted) == text
    assert quoted.startswith('"') and quoted.endswith('"')
    # Every quote inside is escaped: the first unescaped one after the opening is the last char.
    assert re.fullmatch(r'"(?:[^"\\]|\\.)*"', quoted)


def test_the_quoted_filter_quotes_in_a_template_and_html_escapes_on_top():
    django = engines["django"]
    text = 'Phone" <b>We locked your account</b>\n\u202e'
    plain = django.from_string("{% load client_text %}{% autoescape off %}{{ v|quoted }}{% endautoescape %}")
    html = django.from_string("{% load client_text %}{{ v|quoted }}")
    assert plain.render({"v": text}) == '"Phone\\" <b>We locked your account</b>\\n\\u202e"'
    assert html.render({"v": text}) == (
        "&quot;Phone\\&quot; &lt;b&gt;We locked your account&lt;/b&gt;\\n\\u202e&quot;"
    )


class NameSerializer(serializers.Serializer):
    name = OneLineCharField(max_length=10, required=False, allow_blank=True)


@pytest.mark.parametrize("value", ["x\n", "\nx", "\r\n", "\t", " x \u2029", "\x85"])
def test_the_field_refuses_refused_characters_at_the_ends_rather_than_trimming_them(value):
    serializer = NameSerializer(data={"name": value})
    assert not serializer.is_valid()
    [message] = serializer.errors["name"]
    assert message.code == "one_line"


@PROPERTY
@given(hostile_text)
def test_the_field_accepts_exactly_the_text_without_refused_characters(text):
    serializer = NameSerializer(data={"name": text})
    fits = len(text.strip()) <= 10  # DRF trims the ends (spaces only, once the check has passed)
    if refused_by_definition(text):
        assert not serializer.is_valid()
        assert "one_line" in {error.code for error in serializer.errors["name"]}
    elif fits:
        assert serializer.is_valid(), serializer.errors
        assert serializer.validated_data["name"] == text.strip()
