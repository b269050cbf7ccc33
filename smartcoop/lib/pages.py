"""Pagination of member lists: every list paginates, and remembers its page
in the URL (ux.md, Conventions)."""

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

PAGE_SIZE = 25


def page_of(request: HttpRequest, items: Any, *, size: int = PAGE_SIZE) -> Page[Any]:
    """The page of `items` that the request's `?page=` asks for (the last one
    when it asks for more, the first when it asks for nonsense)."""
    return Paginator(items, size).get_page(request.GET.get("page"))
