"""The public pages' cache: each page is kept (Redis in production, local memory
embedded) until something it is made from changes.

Every cached page's key carries the current generation; a save or delete of
any record the public pages read (a report published, a visit completed, a
relationship's status) moves the generation on, at once and again when the
transaction commits (core/kept.py), so every public page is made afresh on its
next request. Nothing else is ever cached here: the public
pages are the same for every reader.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse

from core import kept

GENERATION = "public-pages"
# Response headers kept with a cached page (besides its type).
KEPT_HEADERS = ("Content-Disposition", "Content-Language")
# What the public pages are made from: a save or delete of any of these refreshes them all.
SOURCES = (
    "reports.Report",
    "reports.Rendering",
    "partners.Place",
    "partners.Relationship",
    "partners.Council",
    "delegations.Visit",
    "delegations.Participant",
    "delegations.CostItem",
    "delegations.Gift",
    "reports.Paragraph",
    "reports.SignOff",
)


def refresh_public_pages(**_: Any) -> None:
    """Has every public page made afresh on its next request."""
    kept.move_on(GENERATION)


def refresh_on_changes() -> None:
    from django.apps import apps

    kept.declare(GENERATION)
    for label in SOURCES:
        model = apps.get_model(label)
        post_save.connect(refresh_public_pages, sender=model, dispatch_uid=f"public-refresh-save-{label}")
        post_delete.connect(refresh_public_pages, sender=model, dispatch_uid=f"public-refresh-delete-{label}")
    # A PDF made (or given up on) is written with an update, which sends no post_save.
    from reports.signals import rendering_finished

    rendering_finished.connect(refresh_public_pages, dispatch_uid="public-refresh-rendering-finished")


def cached_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serves the page from the cache while nothing it is made from has changed; says
    ``X-Cache: hit`` or ``miss``. With the cache unreachable the page is made each time."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        key = stored = None
        if kept.cache_answers():
            try:
                # The host and path alone: no public page reads its query string, so made-up
                # ones share the page's one entry rather than each taking another. The host
                # (one of ALLOWED_HOSTS) because the feed's links are absolute.
                key = f"public:{kept.generation(GENERATION)}:{request.get_host()}{request.path}"
                stored = cache.get(key)
            except Exception:
                key = None
                kept.cache_failed("be read for a public page")
        if stored is not None:
            content, content_type, headers = stored
            response = HttpResponse(content, content_type=content_type, headers=headers)
            response["X-Cache"] = "hit"
        else:
            response = view(request, *args, **kwargs)
            if key is not None and response.status_code == 200 and not response.streaming:
                headers = {name: response[name] for name in KEPT_HEADERS if name in response}
                try:
                    cache.set(
                        key,
                        (response.content, response["Content-Type"], headers),
                        settings.PUBLIC_CACHE_SECONDS,
                    )
                except Exception:
                    kept.cache_failed("keep a public page")
            response["X-Cache"] = "miss"
        response["Cache-Control"] = f"public, max-age={settings.PUBLIC_BROWSER_SECONDS}"
        return response

    return wrapped
