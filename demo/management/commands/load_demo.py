"""``manage.py load_demo``: the register as Derby's Cabinet report of 9 September 2015 describes it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.register import DEFAULT_DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = (
        "Loads the demo register recreated from Derby City Council's Cabinet report of "
        "9 September 2015, and in DEBUG one demo login per role whose password is DEMO_PASSWORD "
        f"(default {DEFAULT_DEMO_PASSWORD!r}). Running it again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-users", action="store_true", help="Load the register only, no demo logins.")

    def handle(self, *args: Any, no_users: bool = False, **options: Any) -> None:
        try:
            result = load_demo(with_users=not no_users, password=settings.DEMO_PASSWORD, stdout=self.stdout)
        except ValueError as error:
            raise CommandError(str(error)) from error

        if result.logins:
            if settings.DEMO_PASSWORD == DEFAULT_DEMO_PASSWORD:
                source = f"{DEFAULT_DEMO_PASSWORD!r}, the default (set DEMO_PASSWORD to change it)"
            else:
                # Set through the environment: not echoed into logs.
                source = "the value of DEMO_PASSWORD"
            self.stdout.write(f"Demo logins, refused whenever DEBUG is off; password {source}:")
            for login in result.logins:
                self.stdout.write(f"  {login.username:<8} {login.role}")
        self.stdout.write(self.style.SUCCESS(result.summary()))
