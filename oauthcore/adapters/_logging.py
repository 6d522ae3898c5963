"""Redaction of URLs in HTTP clients' log records (checklist I3, E9; SECURITY-CHECKLIST T6).

urllib3 logs the request line at DEBUG (``urllib3.connectionpool``: ``"GET /r?access_token=…
HTTP/1.1" 200``), and the URL again when it retries or redirects. A token, an OAuth 1.0a
signature or an Ofly signature placed in the query would reach every handler of the
application. :class:`UrlRedactingFilter`, installed on a client's loggers with
:func:`install_url_redaction`, rewrites such records before any handler sees them: every query
value becomes ``***`` (names are kept), a fragment becomes ``#***`` and userinfo ``***@``.

Installed by the adapters built on urllib3 (the urllib3 adapter, and requests, which logs
through urllib3) on urllib3's loggers, and by the httpx adapter on httpx's, which logs every
request URL at INFO. Imports nothing but the standard library; importing it changes no logger.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

__all__ = [
    "HTTPX_LOGGERS",
    "URLLIB3_LOGGERS",
    "UrlRedactingFilter",
    "install_url_redaction",
    "redact_log_text",
]

URLLIB3_LOGGERS = (
    "urllib3.connectionpool",
    "urllib3.poolmanager",
    "urllib3.connection",
    "urllib3.response",
    "urllib3.util.retry",
)
"""The urllib3 loggers whose records may carry a URL or a request target."""

HTTPX_LOGGERS = ("httpx", "httpcore.connection", "httpcore.http11", "httpcore.proxy")
"""httpx logs every request's full URL at INFO (``HTTP Request: GET http://…?access_token=…``)."""

# A query runs from "?" to the next whitespace, quote or angle bracket (how URLs and request
# targets are delimited in log lines); userinfo from "//" to "@" within an authority. Neither
# pattern nests quantifiers: linear on any input (checklist M4).
_QUERY = re.compile(r"\?[^\s\"'<>]*")
_USERINFO = re.compile(r"//[^\s\"'<>/?#@]*@")


def _redact_query(match: re.Match[str]) -> str:
    query, hash_, _ = match.group(0)[1:].partition("#")
    parts = []
    for part in query.split("&"):
        name, equals, _ = part.partition("=")
        if equals:
            parts.append(f"{name}=***")
        elif part:
            parts.append("***")  # a bare value may be a secret too
        else:
            parts.append("")
    return "?" + "&".join(parts) + ("#***" if hash_ else "")


def redact_log_text(text: str) -> str:
    """Return ``text`` with every URL query value, fragment and userinfo replaced by ``***``."""
    if "?" not in text and "@" not in text:
        return text
    return _QUERY.sub(_redact_query, _USERINFO.sub("//***@", text))


class UrlRedactingFilter(logging.Filter):
    """A logging filter that redacts URLs in each record's message; it drops no record.

    The message is formatted (``record.getMessage()``), redacted, and stored back with no
    arguments, so every handler and formatter downstream sees only the redacted text. A record
    without a query, fragment or userinfo is left untouched.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: logging reports it itself, leave it be
            return True
        redacted = redact_log_text(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        return True


_FILTER = UrlRedactingFilter()


def install_url_redaction(names: Iterable[str] = URLLIB3_LOGGERS) -> UrlRedactingFilter:
    """Install the shared :class:`UrlRedactingFilter` on the loggers ``names``; return it.

    Idempotent: a logger gets the filter once however often this runs. A logger's filters see
    the records logged on that logger itself, so each logger that emits URLs is named.
    """
    for name in names:
        logging.getLogger(name).addFilter(_FILTER)
    return _FILTER
