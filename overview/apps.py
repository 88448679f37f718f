from django.apps import AppConfig


class OverviewConfig(AppConfig):
    """What reads across the register: home pages, search, digest, relationship health, discovery."""

    name = "overview"

    def ready(self) -> None:
        from partners import extensions

        from .evidence import health_link

        extensions.register_relationship_link(health_link)
