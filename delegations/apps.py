from django.apps import AppConfig


class DelegationsConfig(AppConfig):
    name = "delegations"

    def ready(self) -> None:
        from partners import extensions

        from . import register_pages, search

        extensions.register_timeline_source(register_pages.place_timeline_visits)
        extensions.register_place_section(register_pages.place_visits_section)
        extensions.register_relationship_section(register_pages.relationship_visits_section)
        search.register_kinds()
