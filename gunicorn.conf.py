"""gunicorn's settings: gunicorn reads ./gunicorn.conf.py from where it starts,
which is /app for the image's command (see the Dockerfile). The command line
adds the address, the worker directory and the access log."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from core.logs import RedactSecrets


class RedactingLogger(Logger):
    """gunicorn's access and error logs, with the calendar feed's key left out of
    the addresses they quote (see core/logs.py)."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(existing, RedactSecrets) for existing in log.filters):
                log.addFilter(RedactSecrets())


logger_class = RedactingLogger
