from django.apps import AppConfig


class BudgetsConfig(AppConfig):
    name = "budgets"

    def ready(self) -> None:
        from core import kept
        from partners import extensions

        from . import models, register_pages

        kept.follow(models.FinancialYear, models.BudgetLine, models.Spend)  # the years and their totals

        extensions.register_relationship_section(register_pages.relationship_budget_section)
