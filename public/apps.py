from django.apps import AppConfig


class PublicConfig(AppConfig):
    """The public part of the site: published reports and the transparency pages, with no
    sign-in, no cookie and pages kept in the cache until the register changes."""

    name = "public"

    def ready(self) -> None:
        from . import cache

        cache.refresh_on_changes()
