"""Database sessions, read with one hand-written query.

Every page a signed-in person opens reads their session: Django's own store
builds that query through the ORM each time, which costs more than running
it. Writing sessions (signing in, the inactivity stamp, signing out) is left
to Django's store.
"""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> SimpleNamespace | None:
        model = self.model
        connection = connections[router.db_for_read(model)]
        quote = connection.ops.quote_name
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT session_data FROM {quote(model._meta.db_table)} "  # noqa: S608 - the app's own table
                "WHERE session_key = %s AND expire_date > %s",
                [self.session_key, now],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return SimpleNamespace(session_data=row[0])
