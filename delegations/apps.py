from django.apps import AppConfig


class DelegationsConfig(AppConfig):
    name = "delegations"
