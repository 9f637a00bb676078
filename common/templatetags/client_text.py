"""``{{ value|quoted }}``: text a client chose, in a mail, as quoted data (common.client_text.quote)."""

from django import template

from common.client_text import quote

register = template.Library()


@register.filter
def quoted(value):
    """Return ``value`` in double quotes with its quotes, controls and bidi characters escaped."""
    return quote(str(value))
