"""What the page benchmarks compare against, written once: a bare view that
runs one `SELECT 1` (the floor of any page on this stack), the project's
URLconf with that view added at `bench/one-query/` (a benchmark sets
`ROOT_URLCONF = "one_query"`, in its own process or in the gunicorn it
starts), and the percentiles of timings."""

from typing import Any


def percentile(values: list[float], p: float) -> float:
    """The `p`-th percentile (0 to 100) of `values`, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


def one_query(request: Any) -> Any:
    from django.db import connection
    from django.http import HttpResponse

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HttpResponse(b"ok", content_type="text/plain")


def __getattr__(name: str) -> Any:
    """`urlpatterns`, built when Django reads this module as its URLconf."""
    if name != "urlpatterns":
        raise AttributeError(name)
    from django.urls import path

    from smartcoop.urls import urlpatterns as project

    return [path("bench/one-query/", one_query, name="bench_one_query"), *project]
