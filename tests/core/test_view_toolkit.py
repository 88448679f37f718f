"""The view toolkit: the role is checked before anything else, on every page, by construction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from django.views import View

from core.views import SIGNED_IN, RecordPages, RoleRequired
from delegations.models import Meeting
from partners.forms import ExchangeForm
from partners.models import Exchange

# Pages open to everyone, signed in or not (signing in, through the password form or single
# sign-on); pages that need only a signed-in user (the login-required middleware sees to
# that): Django's sign-out, the page for someone the identity provider gives no role, and
# one's own two-step sign-in.
OPEN = {"login", "sso-start", "sso-callback", "healthz", "favicon", "delegations:calendar-feed"}
DJANGO_ACCOUNT_PAGES = {"logout", "no-role", "two-factor", "two-factor-verify"}


def named_patterns(resolver: URLResolver | None = None, namespace: str = "") -> Iterator[tuple[str, Any]]:
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # the Django admin checks its own permissions
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from named_patterns(entry, inner)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}", entry.callback


def test_every_page_declares_the_permission_it_needs() -> None:
    """Each view in the URL conf was built by the toolkit, which checks the role before the view runs."""
    unguarded = [
        name
        for name, view in named_patterns()
        if not hasattr(view, "required_permissions")
        and name not in OPEN | DJANGO_ACCOUNT_PAGES
        and not name.startswith("public:")
    ]
    assert unguarded == []


def test_the_public_pages_are_open_to_all_and_take_only_get_and_head() -> None:
    public = {name: view for name, view in named_patterns() if name.startswith("public:")}
    assert len(public) >= 9
    assert all(getattr(view, "login_required", True) is False for view in public.values())


def test_pages_open_to_all_are_marked_so() -> None:
    open_views = {name: view for name, view in named_patterns() if name in OPEN}
    assert set(open_views) == OPEN
    assert all(getattr(view, "login_required", True) is False for view in open_views.values())


class Probe(RoleRequired, View):
    """Remembers whether it was ever set up: it must not be, for someone without the role."""

    permission_required = "partners.change_place"
    set_up: list[str] = []

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        type(self).set_up.append(request.user.username)
        super().setup(request, *args, **kwargs)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return HttpResponse("the record")


@pytest.mark.parametrize(("persona", "expected"), [("officer", 200), ("leader", 403), ("outsider", 403)])
def test_the_role_is_checked_before_the_view_is_set_up(
    persona: str, expected: int, personas: dict[str, Any], rf: RequestFactory
) -> None:
    from django.core.exceptions import PermissionDenied

    Probe.set_up = []
    request = rf.get("/probe/1/")
    request.user = personas[persona]
    view = Probe.as_view()
    if expected == 403:
        with pytest.raises(PermissionDenied):
            view(request, pk=1)
        assert Probe.set_up == [], "the view was set up (and could have looked the record up) first"
    else:
        assert view(request, pk=1).status_code == 200
        assert Probe.set_up == [personas[persona].username]


def test_a_view_that_names_no_permission_cannot_be_built() -> None:
    class Forgetful(RoleRequired, View):
        pass

    with pytest.raises(ImproperlyConfigured, match="permission_required"):
        Forgetful.as_view()


def test_a_page_for_anyone_signed_in_says_so() -> None:
    class Home(RoleRequired, View):
        permission_required = SIGNED_IN

    assert Home.as_view().required_permissions == ()


def test_a_models_pages_take_the_model_from_their_form_unless_they_name_one() -> None:
    class ExchangeList(RecordPages):
        form_class = ExchangeForm

    class NamingItsModel(RecordPages):
        model = Meeting
        form_class = ExchangeForm

    assert (ExchangeList().model, ExchangeList().permission("add")) == (Exchange, "partners.add_exchange")
    assert NamingItsModel().model is Meeting

    class Formless(RecordPages):
        pass

    with pytest.raises(ImproperlyConfigured, match="Formless names no model and has no form"):
        Formless()
