"""Fault injection: what the provider answers instead of (or before) the right answer.

A :class:`Fault` is queued for one :class:`~oauthcore.testing.Endpoint` with
:meth:`Faults.push`; the next request to that endpoint takes it (first in, first out), and a
fault pushed with ``times=n`` applies to the next ``n`` requests. Each kind mimics something
real providers do, so a test can drive a client's error paths.

Imports nothing but the standard library and oauthcore's core.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from enum import Enum

from ._model import RESOURCES, Endpoint, ProviderError

__all__ = ["Fault", "FaultKind", "Faults"]


class FaultKind(str, Enum):
    """The kinds of fault the provider can inject."""

    HTTP_ERROR = "http_error"
    """An HTTP error status (5xx by default) with a non-OAuth body, as a failing proxy sends."""
    SLOW = "slow"
    """Wait ``delay`` seconds, then answer normally: for client timeouts."""
    OAUTH_ERROR = "oauth_error"
    """An OAuth error response with ``error`` (``invalid_grant``, ``temporarily_unavailable``,
    ...): RFC 6749 §5.2 JSON, an error redirect at the authorization endpoint, a Bearer
    challenge at the OAuth 2.0 resource, ``oauth_problem`` at the OAuth 1.0a endpoints."""
    MALFORMED_BODY = "malformed_body"
    """A success status with a body no client can parse (truncated JSON by default)."""
    REDIRECT = "redirect"
    """A redirect to another origin (the provider's second listener), which must not
    receive the request's credentials."""
    EXPIRED_TOKEN = "expired_token"  # noqa: S105 (a fault name)
    """Token endpoint: the token is issued already expired (``expires_in`` 0). Resources: the
    presented token expires now (401 ``invalid_token`` / ``token_expired``)."""

    def __str__(self) -> str:
        return self.value


_TRUNCATED_JSON = b'{"access_token": "tr'


@dataclass(frozen=True, slots=True, kw_only=True)
class Fault:
    """One injected fault; build it with the classmethods."""

    kind: FaultKind
    status: int | None = None
    delay: float = 0.0
    error: str | None = None
    error_description: str | None = None
    body: bytes | None = None
    content_type: str | None = None
    location: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.kind, FaultKind):
            raise ProviderError("kind must be a FaultKind")
        if self.status is not None and not 100 <= self.status <= 599:
            raise ProviderError("status must be an HTTP status code")
        if not 0 <= self.delay <= 300:
            raise ProviderError("delay must be between 0 and 300 seconds")
        if self.kind is FaultKind.OAUTH_ERROR and not self.error:
            raise ProviderError("an OAUTH_ERROR fault needs an error code")
        for name, text in (("error", self.error), ("error_description", self.error_description)):
            if text is not None and (not text.isascii() or not text.isprintable() or '"' in text):
                raise ProviderError(f"{name} must be printable ASCII without quotes")

    @classmethod
    def http_error(cls, status: int = 503, *, body: bytes | None = None) -> Fault:
        """An HTTP error status with a plain-text body (no OAuth ``error`` member)."""
        return cls(kind=FaultKind.HTTP_ERROR, status=status, body=body)

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        """Answer normally, but only after ``seconds``."""
        return cls(kind=FaultKind.SLOW, delay=seconds)

    @classmethod
    def oauth_error(
        cls, error: str, *, status: int | None = None, description: str | None = None
    ) -> Fault:
        """An OAuth error ``error``; the status defaults to what the endpoint would use."""
        return cls(
            kind=FaultKind.OAUTH_ERROR, error=error, status=status, error_description=description
        )

    @classmethod
    def invalid_grant(cls, description: str | None = None) -> Fault:
        """``invalid_grant`` (RFC 6749 §5.2): the code or refresh token is refused."""
        return cls.oauth_error("invalid_grant", description=description)

    @classmethod
    def malformed_body(
        cls,
        body: bytes = _TRUNCATED_JSON,
        *,
        status: int = 200,
        content_type: str = "application/json",
    ) -> Fault:
        """A ``status`` response with ``body`` (truncated JSON unless given)."""
        return cls(
            kind=FaultKind.MALFORMED_BODY, status=status, body=body, content_type=content_type
        )

    @classmethod
    def redirect(cls, status: int = 302, *, location: str | None = None) -> Fault:
        """A redirect to the provider's other origin (same path), or to ``location``."""
        if not 300 <= status <= 399:
            raise ProviderError("a redirect status is 3xx")
        return cls(kind=FaultKind.REDIRECT, status=status, location=location)

    @classmethod
    def expired_token(cls) -> Fault:
        """Issue the token already expired, or expire the token a resource request presents."""
        return cls(kind=FaultKind.EXPIRED_TOKEN)


_EXPIRING = RESOURCES | {Endpoint.OAUTH2_TOKEN}


class Faults:
    """The per-endpoint fault queues of one provider (``provider.faults``). Thread-safe."""

    def __init__(self) -> None:
        self._queues: dict[Endpoint, deque[Fault]] = {}
        self._lock = threading.Lock()

    def push(self, endpoint: Endpoint, fault: Fault, *, times: int = 1) -> None:
        """Queue ``fault`` for the next ``times`` requests to ``endpoint``."""
        if not isinstance(endpoint, Endpoint) or not isinstance(fault, Fault):
            raise ProviderError("push(endpoint: Endpoint, fault: Fault)")
        if fault.kind is FaultKind.EXPIRED_TOKEN and endpoint not in _EXPIRING:
            raise ProviderError("EXPIRED_TOKEN applies to the token endpoint and resources")
        if not isinstance(times, int) or times < 1:
            raise ProviderError("times must be a positive integer")
        with self._lock:
            self._queues.setdefault(endpoint, deque()).extend([fault] * times)

    def next_token_response(self, fault: Fault, *, times: int = 1) -> None:
        """Queue ``fault`` for the OAuth 2.0 token endpoint (the common case)."""
        self.push(Endpoint.OAUTH2_TOKEN, fault, times=times)

    def take(self, endpoint: Endpoint) -> Fault | None:
        """Remove and return the next fault queued for ``endpoint`` (used by the server)."""
        with self._lock:
            queue = self._queues.get(endpoint)
            return queue.popleft() if queue else None

    def pending(self, endpoint: Endpoint | None = None) -> int:
        """How many faults are still queued (for ``endpoint``, or in all)."""
        with self._lock:
            if endpoint is not None:
                return len(self._queues.get(endpoint, ()))
            return sum(len(queue) for queue in self._queues.values())

    def clear(self) -> None:
        """Forget every queued fault."""
        with self._lock:
            self._queues.clear()
