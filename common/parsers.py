"""Request parsers: DRF's, without the inputs that used to escape as a 500."""

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, answering 400 to nesting too deep to decode.

    Python's decoder gives up on a few thousand nested arrays with RecursionError, which
    is not a ValueError, so DRF lets it through as a server error.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - the document is nested too deeply.") from exc
