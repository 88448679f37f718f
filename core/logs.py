"""Keeping secrets out of the logs.

The calendar feed's address holds its key (delegations/feeds.py): calendar
clients cannot send a header, so the key has to travel in the URL, and every
log line that quotes a request's address would quote the key with it. The
filter here replaces it with ``[redacted]``; settings.LOGGING puts it on
Django's request and development-server logs and on the console, and
gunicorn.conf.py on gunicorn's access and error logs.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"

# A segment after /calendar/ is a feed's key, or a mistyped one (still a key,
# or near enough to one), unless it is one of the calendar pages' own.
SECRETS_IN_ADDRESSES = (re.compile(r"(?<=/calendar/)(?!new-address/)[^/?#\s\"'\\]+"),)


def redact(text: str) -> str:
    for pattern in SECRETS_IN_ADDRESSES:
        text = pattern.sub(REDACTED, text)
    return text


class RedactSecrets(logging.Filter):
    """Writes a log record's message out with the secrets redacted.

    The message is formatted here, once, so that a secret passed as an
    argument ("Not Found: %s") is caught as surely as one in the text.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a badly formed log call: left for the handler to report, as logging does
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
