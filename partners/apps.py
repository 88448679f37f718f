from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"

    def ready(self) -> None:
        from core import kept

        from . import models, search

        # What the lists' filters offer (countries, sectors, owners) and the triage criteria.
        kept.follow(models.Place, models.Organisation, models.Sector, models.TriageCriterion, models.Action)
        search.register_kinds()
