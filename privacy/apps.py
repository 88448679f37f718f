from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """Personal data as the law asks: a retention schedule, the nightly list of what has passed
    it, erasure that keeps the register's facts, and subject access across the register."""

    name = "privacy"
    verbose_name = "Personal data"
