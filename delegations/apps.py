from django.apps import AppConfig


class DelegationsConfig(AppConfig):
    name = "delegations"

    def ready(self) -> None:
        from core import kept
        from partners import extensions

        from . import models, register_pages, search

        kept.follow(models.Visit, models.Gift)  # the years the lists offer

        extensions.register_timeline_source(register_pages.place_timeline_visits)
        extensions.register_place_section(register_pages.place_visits_section)
        extensions.register_relationship_section(register_pages.relationship_visits_section)
        search.register_kinds()
