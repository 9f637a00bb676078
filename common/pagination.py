"""Pagination shared by every list endpoint."""

from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """Return ``{count, next, previous, results}``; ``?page_size=`` is capped at 100."""

    page_size_query_param = "page_size"
    max_page_size = 100
