"""Filter backends shared by the list endpoints."""

from rest_framework import exceptions, filters
from rest_framework.fields import CharField

SEARCH_MAX_LENGTH = 200


class SearchFilter(filters.SearchFilter):
    """DRF's ``?search=``, refusing (400) a value longer than ``SEARCH_MAX_LENGTH``.

    Each whitespace-separated term adds a condition to the query: an unbounded value
    would let one request build a query the database refuses (a 500) or chews on.
    """

    def get_search_terms(self, request):
        value = request.query_params.get(self.search_param, "")
        field = CharField(trim_whitespace=False, allow_blank=True, max_length=SEARCH_MAX_LENGTH)
        try:
            field.run_validation(value)
        except exceptions.ValidationError as exc:
            raise exceptions.ValidationError({self.search_param: exc.detail}) from exc
        return super().get_search_terms(request)


class OrderingFilter(filters.OrderingFilter):
    """DRF's ``?ordering=`` with the primary key as the last tie-breaker.

    Without it rows with equal sort keys come back in any order the database likes,
    and a page boundary between them can repeat one row and skip another. Unknown
    fields are ignored, as in DRF, and the view's default ordering applies.
    """

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if ordering and not any(term.lstrip("-") in ("pk", "id") for term in ordering):
            ordering.append("-pk" if ordering[-1].startswith("-") else "pk")
        return ordering
