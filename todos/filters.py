"""The ``?completed=`` filter of the todo list."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from todos.models import Todo


class StrictBooleanField(forms.Field):
    """``true`` or ``false`` (``1``/``0``, any case); empty means no filter; anything else is invalid."""

    widget = forms.TextInput
    VALUES = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value):
        if value in (None, ""):
            return None
        try:
            return self.VALUES[str(value).strip().lower()]
        except KeyError:
            raise ValidationError(_("Enter true or false."), code="invalid") from None


class StrictBooleanFilter(django_filters.BooleanFilter):
    # django-filter's own widget turns a value it does not know into "no filter": a typo
    # like ?completed=ture would silently list everything. Here it is a 400.
    field_class = StrictBooleanField


class TodoFilter(django_filters.FilterSet):
    completed = StrictBooleanFilter(help_text="Only todos that are done (true) or not done (false).")

    class Meta:
        model = Todo
        fields = ["completed"]
