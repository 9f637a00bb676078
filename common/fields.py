"""Serializer fields of more than one app."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.fields import empty

from common.client_text import OneLineValidator


class OneLineCharField(serializers.CharField):
    """A CharField for text a client chose that people will read: one line, no control or bidi character.

    The raw value is checked before DRF trims its ends, so that a name ending in a line break
    is refused (400) like one holding it in the middle, rather than quietly cut.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.one_line = OneLineValidator()
        self.validators.append(self.one_line)

    def run_validation(self, data=empty):
        if isinstance(data, str):
            try:
                self.one_line(data)
            except DjangoValidationError as exc:
                raise serializers.ValidationError(exc.messages, code=exc.code) from exc
        return super().run_validation(data)
