from django.apps import AppConfig


class BudgetsConfig(AppConfig):
    name = "budgets"

    def ready(self) -> None:
        from partners import extensions

        from . import register_pages

        extensions.register_relationship_section(register_pages.relationship_budget_section)
