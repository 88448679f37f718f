from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo register recreated from Derby's Cabinet report of 9 September 2015."""

    name = "demo"
