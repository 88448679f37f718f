"""The site's icon: linked from every page, and at /favicon.ico where browsers look for it
whatever a page links to (a 404 there was a console error in every session)."""

from __future__ import annotations

import struct

from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.test import Client

from tests.support.pages import Page


def icon_sizes(ico: bytes) -> list[int]:
    """The widths of the images in an ICO file (its directory: six bytes, then 16 an image)."""
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind) == (0, 1), "not an ICO file"
    return [ico[6 + 16 * i] or 256 for i in range(count)]


def test_favicon_ico_is_sent_on_to_the_icon_for_anyone(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == static("favicon.ico")
    found = finders.find("favicon.ico")
    assert found, "no favicon.ico among the static files"
    with open(found, "rb") as ico:
        assert {16, 32} <= set(icon_sizes(ico.read()))


def test_favicon_ico_refuses_a_post(client: Client) -> None:
    assert client.post("/favicon.ico").status_code == 405


def test_every_page_links_its_icon(client: Client, officer_client: Client) -> None:
    for who, url in ((client, "/accounts/login/"), (officer_client, "/")):
        response = who.get(url)
        assert response.status_code == 200
        icons = {
            link.attrs["href"]: link.attrs.get("type", "")
            for link in Page(response).root.find_all("link")
            if link.attrs.get("rel") == "icon"
        }
        assert icons == {static("favicon.svg"): "image/svg+xml", static("favicon.ico"): ""}, url
        for href in icons:
            assert finders.find(href.removeprefix(static(""))), f"{href} is not a static file"
