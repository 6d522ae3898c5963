"""The ``requests`` adapter: OAuth 1.0a, OAuth 2.0 and Ofly for ``requests``, and rauth's API.

Native API: :class:`OAuth1Auth`, :class:`OAuth2Auth` (on a :class:`TokenStore`) and
:class:`OflyAuth` are ``requests.auth.AuthBase`` objects; :class:`OAuthSession` is a
``requests.Session`` with oauthcore's transport policy; :func:`send_flow` runs any core flow
over a session and :func:`send_request` sends one neutral request. rauth 0.7's classes
(``OAuth1Service`` ... ``OflySession``, the signature objects) live in :mod:`._rauth` and are
importable from here.

Redirects are followed by oauthcore, never by ``requests``: every hop goes through
:func:`oauthcore.redirects.next_hop` (at most 5 hops, TLS on every hop, credentials dropped on
any origin change), OAuth 1.0a and Ofly requests are re-signed with a fresh nonce for a
same-origin hop and never for another origin, and token-endpoint requests are not redirected at
all (checklist C5, D1-D8). Bodies read for parsing are capped after decompression with at most
two content-codings (A4, A5, M1, M2); timeouts default to connect 10 s / read 30 s with a total
deadline of 60 s on the body (M3, T10); ``.netrc`` credentials are never applied (C7); TLS
verification can only be turned off by ``insecure_skip_tls_verify=True``, logged at WARNING
(C9). The protocol itself is the core's: this module translates ``requests`` objects to
:class:`oauthcore.http.Request` / :class:`~oauthcore.http.Response` and back.

Importing it without ``requests`` installed raises :class:`oauthcore.MissingDependencyError`.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar
from urllib.parse import parse_qsl

from ..errors import (
    ConfigurationError,
    MissingDependencyError,
    RedirectPolicyError,
    TokenExpiredError,
)

try:
    import requests
    from requests.auth import AuthBase
    from requests.hooks import dispatch_hook
    from requests.structures import CaseInsensitiveDict
except ImportError as exc:  # checklist N5: a typed error with an install hint
    raise MissingDependencyError("requests", "requests") from exc

from .._clock import steady_clock, unix_time
from .._urls import parse_url
from ..flows import Flow, drive
from ..http import Request, Response
from ..limits import MAX_BODY_BYTES, check_content_codings, read_limited
from ..oauth1 import (
    ClientCredentials,
    Placement,
    TokenCredentials,
    is_form_content_type,
    new_nonce,
    sign_request,
)
from ..oauth2 import (
    AuthorizedResponse,
    BearerPlacement,
    ClientConfig,
    Token,
    apply_bearer,
    authorized_request_flow,
)
from ..ofly import OflyCredentials, OflyHashMethod, sign_ofly_request, utc_now
from ..redirects import CREDENTIAL_HEADERS, MAX_HOPS, REDIRECT_STATUSES, next_hop

if TYPE_CHECKING:
    from datetime import datetime

    from ._rauth import HmacSha1Signature as HmacSha1Signature
    from ._rauth import HmacSha256Signature as HmacSha256Signature
    from ._rauth import HmacSha512Signature as HmacSha512Signature
    from ._rauth import OAuth1Service as OAuth1Service
    from ._rauth import OAuth1Session as OAuth1Session
    from ._rauth import OAuth2Service as OAuth2Service
    from ._rauth import OAuth2Session as OAuth2Session
    from ._rauth import OflyService as OflyService
    from ._rauth import OflySession as OflySession
    from ._rauth import PlaintextSignature as PlaintextSignature
    from ._rauth import RauthUsageError as RauthUsageError
    from ._rauth import RsaSha1Signature as RsaSha1Signature
    from ._rauth import RsaSha256Signature as RsaSha256Signature
    from ._rauth import RsaSha512Signature as RsaSha512Signature
    from ._rauth import TokenKeyMissing as TokenKeyMissing
    from ._rauth import parse_utf8_qsl as parse_utf8_qsl

__all__ = [
    "DEFAULT_DEADLINE",
    "DEFAULT_TIMEOUT",
    "MAX_RESOURCE_BYTES",
    "HmacSha1Signature",
    "HmacSha256Signature",
    "HmacSha512Signature",
    "OAuth1Auth",
    "OAuth1Service",
    "OAuth1Session",
    "OAuth2Auth",
    "OAuth2Service",
    "OAuth2Session",
    "OAuthSession",
    "OflyAuth",
    "OflyService",
    "OflySession",
    "PlaintextSignature",
    "RauthUsageError",
    "RsaSha1Signature",
    "RsaSha256Signature",
    "RsaSha512Signature",
    "TokenKeyMissing",
    "TokenStore",
    "parse_utf8_qsl",
    "send_flow",
    "send_request",
]

# rauth's names load on first use (PEP 562): they import this module, not the other way round.
_RAUTH_NAMES = frozenset(
    (
        "HmacSha1Signature",
        "HmacSha256Signature",
        "HmacSha512Signature",
        "OAuth1Service",
        "OAuth1Session",
        "OAuth2Service",
        "OAuth2Session",
        "OflyService",
        "OflySession",
        "PlaintextSignature",
        "RauthUsageError",
        "RsaSha1Signature",
        "RsaSha256Signature",
        "RsaSha512Signature",
        "TokenKeyMissing",
        "parse_utf8_qsl",
    )
)


def __getattr__(name: str) -> object:
    if name not in _RAUTH_NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from . import _rauth

    value: object = getattr(_rauth, name)
    globals()[name] = value
    return value


T = TypeVar("T")
Timeout = float | tuple[float, float]

DEFAULT_TIMEOUT: tuple[float, float] = (10.0, 30.0)
"""Connect and read timeouts, in seconds, of every request this module sends (checklist M3)."""

DEFAULT_DEADLINE = 60.0
"""Seconds from sending a request to the end of reading its body, when this module reads it."""

MAX_RESOURCE_BYTES = 32 * 1024 * 1024
"""Default cap on a resource response body that :class:`OAuthSession` reads (not streamed)."""

_CHUNK = 64 * 1024
_MAX_RESTARTS = 16
_LOG = logging.getLogger(__name__)
# Attributes this module sets on the PreparedRequests it handles.
_MANAGED = "_oauthcore_managed"  # sent by OAuthSession, which follows redirects itself
_SIGNED = "_oauthcore_signed"  # a _Signed record: who signed it, and the request before


class _Signed(NamedTuple):
    """What an oauthcore auth applied to a PreparedRequest, for re-signing a redirect hop."""

    auth: AuthBase
    unsigned: Request
    streamed: bool


# Translation between requests' objects and the neutral ones.


def _to_core(prepared: requests.PreparedRequest, *, allow_stream: bool) -> tuple[Request, bool]:
    """Return ``prepared`` as a neutral Request, and whether its body is a stream.

    A stream (generator, file) cannot be read without consuming it: it is left in place and
    the neutral request carries no body; ``allow_stream=False`` refuses it instead.
    """
    body = prepared.body
    streamed = False
    if body is None:
        raw = b""
    elif isinstance(body, bytes):
        raw = body
    elif isinstance(body, str):
        raw = body.encode("utf-8")
    elif allow_stream:
        raw, streamed = b"", True
    else:
        raise ConfigurationError(
            "a streamed or file body cannot be signed; pass the body as bytes or a form"
        )
    headers = tuple(
        (name, value if isinstance(value, str) else value.decode("latin-1"))
        for name, value in prepared.headers.items()
    )
    request = Request(
        method=prepared.method or "GET", url=prepared.url or "", headers=headers, body=raw
    )
    return request, streamed


def _apply(prepared: requests.PreparedRequest, request: Request, *, streamed: bool) -> None:
    """Make ``prepared`` send exactly ``request`` (a streamed body is kept as it is)."""
    prepared.method = request.method
    prepared.url = request.url
    headers: CaseInsensitiveDict[str | bytes] = CaseInsensitiveDict(request.headers)
    prepared.headers = headers
    if streamed:
        return
    old = prepared.body
    new = request.body if request.body or old is not None else None
    if new != (old.encode("utf-8") if isinstance(old, str) else old):
        headers.pop("Content-Length", None)
        prepared.body = new
        prepared.prepare_content_length(new)
    else:
        prepared.body = new


def _pairs(headers: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple((name, value) for name, value in headers)


def _core_response(response: requests.Response, body: bytes = b"") -> Response:
    return Response(
        status=response.status_code, headers=_pairs(response.headers.items()), body=body
    )


def _remember(
    prepared: requests.PreparedRequest, auth: AuthBase, unsigned: Request, streamed: bool
) -> None:
    setattr(prepared, _SIGNED, _Signed(auth, unsigned, streamed))


def _same_origin(a: str, b: str) -> bool:
    try:
        return parse_url(a).origin == parse_url(b).origin
    except ConfigurationError:
        return False


def _checked_verify(verify: bool | str | None, *, allowed: bool) -> bool | str:
    """Return the ``verify`` setting to use; refuse ``False`` unless explicitly allowed (C9)."""
    if verify is None:
        return True
    if verify is False and not allowed:
        raise ConfigurationError(
            "TLS certificate verification can only be turned off with "
            "insecure_skip_tls_verify=True (checklist C9)"
        )
    return verify


def _read_body(response: requests.Response, *, limit: int | None, deadline: float | None) -> bytes:
    """Read the decoded body: at most ``limit`` bytes, two content-codings, until ``deadline``.

    The deadline (``time.monotonic()`` seconds) is a watchdog that shuts the socket down, so
    a body trickling in a byte at a time cannot outlast it (checklist M3); the read then
    fails with requests' own ReadTimeout.
    """
    expired = threading.Event()
    watchdog = None
    if deadline is not None:

        def expire() -> None:
            expired.set()
            with contextlib.suppress(Exception):  # already released or closed: nothing to do
                response.raw.shutdown()

        watchdog = threading.Timer(max(0.0, deadline - time.monotonic()), expire)
        watchdog.daemon = True
        watchdog.start()
    try:
        check_content_codings(_pairs(response.headers.items()))
        chunks = response.iter_content(_CHUNK)
        body = b"".join(chunks) if limit is None else read_limited(chunks, limit=limit)
    except Exception as exc:
        response.close()
        if expired.is_set():
            raise requests.exceptions.ReadTimeout(
                "total deadline exceeded reading the body"
            ) from exc
        raise
    finally:
        if watchdog is not None:
            watchdog.cancel()
    if expired.is_set():  # the shutdown looks like the end of the body: it is not
        response.close()
        raise requests.exceptions.ReadTimeout("total deadline exceeded reading the body")
    response._content = body  # what .content, .text and .json() read from now on
    return body


def _discard(response: requests.Response) -> None:
    """Drop a redirect's body unread: it is never decoded (checklist D8)."""
    response.close()


# Redirects, followed by oauthcore's policy (checklist C5, D1-D7).


def _is_ours(hook: object) -> bool:
    return isinstance(getattr(hook, "__self__", None), (_Auth, _Exchange))


def _next_prepared(
    response: requests.Response,
    *,
    hops: int,
    max_hops: int,
    allow_insecure_transport: bool,
    cookies: Any = None,
) -> requests.PreparedRequest:
    """Return the request for the redirect ``response`` answers, or raise RedirectPolicyError.

    The hop is computed from the request as it was *before* oauthcore's auth touched it; a
    same-origin hop is signed again by the same auth, with a fresh nonce, and a hop to
    another origin carries no credentials at all (no auth, no Authorization, no Cookie).
    """
    sent = response.request
    record: _Signed | None = getattr(sent, _SIGNED, None)
    if record is None:
        base, streamed = _to_core(sent, allow_stream=True)
        auth = None
    else:
        base, streamed, auth = record.unsigned, record.streamed, record.auth
    status = response.status_code
    hop = next_hop(
        base,
        status,
        response.headers.get("location", ""),
        hops=hops,
        max_hops=max_hops,
        allow_insecure_transport=allow_insecure_transport,
    )
    if streamed and status in (307, 308):
        raise RedirectPolicyError(f"HTTP {status} redirect would re-send a streamed body")
    _discard(response)
    prepared = sent.copy()
    prepared.hooks = {
        event: [hook for hook in hooks if not _is_ours(hook)] for event, hooks in sent.hooks.items()
    }
    _apply(prepared, hop, streamed=streamed)
    same_origin = _same_origin(base.url, hop.url)
    if same_origin and cookies is not None:
        prepared.headers.pop("Cookie", None)
        prepared.prepare_cookies(cookies)
    if same_origin and auth is not None:
        auth(prepared)
    return prepared


def _redirects(
    response: requests.Response,
    send: Callable[[requests.PreparedRequest], requests.Response],
    *,
    max_hops: int,
    allow_insecure_transport: bool,
    cookies: Any = None,
) -> Iterator[requests.Response]:
    """Follow ``response``'s redirects with ``send``; yield each later response."""
    hops = 0
    while response.is_redirect:
        prepared = _next_prepared(
            response,
            hops=hops,
            max_hops=max_hops,
            allow_insecure_transport=allow_insecure_transport,
            cookies=cookies,
        )
        hops += 1
        response = send(prepared)
        yield response


def _final(first: requests.Response, later: Iterable[requests.Response]) -> requests.Response:
    """Return the last response of a chain, its ``history`` the ones before it."""
    history: list[requests.Response] = []
    final = first
    for response in later:
        history.extend((*final.history, final))
        final = response
    if history:
        final.history = [*history, *final.history]
    return final


def _follow_without_session(
    response: requests.Response, kwargs: dict[str, Any], *, max_hops: int, insecure: bool
) -> requests.Response:
    """Follow redirects from inside an auth's response hook (a plain ``requests.Session``).

    ``requests`` would re-send a stale signature, strip credentials on host changes only and
    apply ``.netrc`` on the way: the hop is sent here instead, as ``HTTPDigestAuth`` sends its
    retries, and requests then sees the final response, which is not a redirect.
    """
    connection = response.connection

    def send(prepared: requests.PreparedRequest) -> requests.Response:
        setattr(prepared, _MANAGED, True)  # this loop, not the hop's own hooks, follows on
        answer = connection.send(prepared, **kwargs)
        return dispatch_hook("response", prepared.hooks, answer, **kwargs)

    chain = _redirects(response, send, max_hops=max_hops, allow_insecure_transport=insecure)
    return _final(response, chain)


# The auths.


class _Auth(AuthBase):
    """An oauthcore auth: sign a PreparedRequest, and see its redirects through."""

    max_redirects: int
    allow_insecure_transport: bool

    def _sign(self, request: Request) -> Request:
        raise NotImplementedError

    def _allows_stream(self) -> bool:
        return False

    def _already_signed(self, request: Request) -> bool:
        return False

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        unsigned, streamed = _to_core(r, allow_stream=self._allows_stream())
        if self._already_signed(unsigned):
            return r  # never sign twice (rauth 0.5.3's "no double signing")
        _apply(r, self._sign(unsigned), streamed=streamed)
        _remember(r, self, unsigned, streamed)
        r.register_hook("response", self._on_response)
        return r

    def _on_response(self, r: requests.Response, **kwargs: Any) -> requests.Response:
        if getattr(r.request, _MANAGED, False):
            return r
        return _follow_without_session(
            r, kwargs, max_hops=self.max_redirects, insecure=self.allow_insecure_transport
        )


def _has_signature(request: Request) -> bool:
    """True if ``request`` already carries ``oauth_signature`` (header, query or form body)."""
    header = request.header("Authorization") or ""
    if header[:6].lower() == "oauth " and "oauth_signature" in header:
        return True
    names = [name for name, _ in parse_qsl(request.url.partition("?")[2], True)]
    if is_form_content_type(request.header("Content-Type")):
        names += [name for name, _ in parse_qsl(request.body.decode("latin-1"), True)]
    return "oauth_signature" in names


class OAuth1Auth(_Auth):
    """Sign requests with OAuth 1.0a (RFC 5849 §3) through :func:`oauthcore.oauth1.sign_request`.

    Every signature method and placement the core offers; the query in the URL and form bodies
    are signed, other bodies get ``oauth_body_hash``. A request that already carries
    ``oauth_signature`` is left as it is. Redirects are followed under oauthcore's policy, even
    on a plain ``requests.Session``: a same-origin hop is signed again with a fresh nonce, a
    hop to another origin is not signed; past ``max_redirects`` hops, RedirectPolicyError.
    A streamed (generator or file) body is refused: it cannot be signed.
    """

    def __init__(
        self,
        client: ClientCredentials,
        token: TokenCredentials | None = None,
        *,
        placement: Placement = Placement.HEADER,
        realm: str | None = None,
        callback: str | None = None,
        verifier: str | None = None,
        version: bool = False,
        with_body_hash: bool | None = None,
        allow_insecure_transport: bool = False,
        max_redirects: int = MAX_HOPS,
        now: Callable[[], int] = unix_time,
        nonce: Callable[[], str] = new_nonce,
    ) -> None:
        self.client = client
        self.token = token
        self.placement = placement
        self.realm = realm
        self.callback = callback
        self.verifier = verifier
        self.version = version
        self.with_body_hash = with_body_hash
        self.allow_insecure_transport = allow_insecure_transport
        self.max_redirects = max_redirects
        self.now = now
        self.nonce = nonce

    def __repr__(self) -> str:
        return (
            f"OAuth1Auth(client={self.client!r}, token={self.token!r}, "
            f"placement={self.placement.value!r})"
        )

    def _already_signed(self, request: Request) -> bool:
        return _has_signature(request)

    def _sign(self, request: Request) -> Request:
        return sign_request(
            request,
            self.client,
            self.token,
            placement=self.placement,
            realm=self.realm,
            callback=self.callback,
            verifier=self.verifier,
            version=self.version,
            with_body_hash=self.with_body_hash,
            allow_insecure_transport=self.allow_insecure_transport,
            now=self.now,
            nonce=self.nonce,
        )


class OflyAuth(_Auth):
    """Sign requests with Ofly (Shutterfly) through :func:`oauthcore.ofly.sign_ofly_request`.

    The parameters already in the URL are signed too (checklist L2); the timestamp has three
    millisecond digits (L1); plain http is refused but on loopback or with
    ``allow_insecure_transport`` (L5). Redirects as for :class:`OAuth1Auth`.
    """

    def __init__(
        self,
        credentials: OflyCredentials,
        user_id: str,
        *,
        hash_method: OflyHashMethod | str = OflyHashMethod.SHA1,
        allow_insecure_transport: bool = False,
        max_redirects: int = MAX_HOPS,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self.credentials = credentials
        self.user_id = user_id
        self.hash_method = hash_method
        self.allow_insecure_transport = allow_insecure_transport
        self.max_redirects = max_redirects
        self.now = now

    def __repr__(self) -> str:
        return f"OflyAuth(credentials={self.credentials!r}, hash_method={str(self.hash_method)!r})"

    def _allows_stream(self) -> bool:
        return True  # Ofly signs the URL only

    def _sign(self, request: Request) -> Request:
        return sign_ofly_request(
            request,
            self.credentials,
            user_id=self.user_id,
            hash_method=self.hash_method,
            allow_insecure_transport=self.allow_insecure_transport,
            now=self.now,
        )


class _BearerAuth(_Auth):
    """Present a fixed bearer token (RFC 6750 §2) with :func:`oauthcore.oauth2.apply_bearer`."""

    def __init__(
        self,
        access_token: str,
        *,
        placement: BearerPlacement = BearerPlacement.HEADER,
        allow_insecure_transport: bool = False,
        max_redirects: int = MAX_HOPS,
    ) -> None:
        self._access_token = access_token
        self.placement = placement
        self.allow_insecure_transport = allow_insecure_transport
        self.max_redirects = max_redirects

    def __repr__(self) -> str:
        return f"_BearerAuth(placement={self.placement.value!r})"

    def _allows_stream(self) -> bool:
        return self.placement is not BearerPlacement.BODY

    def _sign(self, request: Request) -> Request:
        return apply_bearer(
            request,
            self._access_token,
            placement=self.placement,
            allow_insecure_transport=self.allow_insecure_transport,
        )


# OAuth 2.0 with refresh: one refresh in flight per TokenStore (checklist H1, H3, H4, G7).


class _Attempt:
    """One refresh in flight: the token it renews, and how it ended."""

    __slots__ = ("done", "failure", "old")

    def __init__(self, old: Token) -> None:
        self.old = old
        self.done = False
        self.failure: Exception | None = None


class TokenStore:
    """The current OAuth 2.0 token of one grant, shared by every :class:`OAuth2Auth` using it.

    At most one refresh is in flight per store, across threads (checklist H1, H4): a request
    that finds its token being renewed waits and then uses the new one; if the renewal fails,
    every request that waited for it gets that same error, and the next one tries again (H3).
    A renewal never replaces a token set meanwhile with :meth:`replace` (H7).
    """

    def __init__(self, token: Token) -> None:
        self._token = token
        self._cond = threading.Condition()
        self._attempt: _Attempt | None = None

    @property
    def token(self) -> Token:
        """The token in force."""
        return self._token

    def replace(self, token: Token) -> None:
        """Put ``token`` in force (for instance one loaded from storage)."""
        with self._cond:
            self._token = token

    def __repr__(self) -> str:
        return f"TokenStore({self._token!r})"

    def __getstate__(self) -> dict[str, object]:
        return {"token": self._token}

    def __setstate__(self, state: dict[str, Token]) -> None:
        self._token = state["token"]
        self._cond = threading.Condition()  # a lock is rebuilt, never pickled (checklist I1)
        self._attempt = None

    def _claim(self, snapshot: Token) -> _Attempt | Exception | None:
        """Return an attempt to lead, the failure of the one waited for, or None if superseded."""
        with self._cond:
            while self._attempt is not None:
                attempt = self._attempt
                while not attempt.done:
                    self._cond.wait()
                if attempt.failure is not None and attempt.old is snapshot:
                    return attempt.failure
            if self._token is not snapshot:
                return None
            self._attempt = _Attempt(snapshot)
            return self._attempt

    def _release(
        self, attempt: _Attempt, *, new: Token | None = None, failure: Exception | None = None
    ) -> None:
        with self._cond:
            if new is not None and self._token is attempt.old:
                self._token = new
            attempt.failure = failure
            attempt.done = True
            if self._attempt is attempt:
                self._attempt = None
            self._cond.notify_all()


class OAuth2Auth(AuthBase):
    """Present an OAuth 2.0 bearer token and keep it usable (RFC 6749 §6, RFC 6750).

    Each request runs :func:`oauthcore.oauth2.authorized_request_flow`: a token expired
    within ``client.leeway`` is renewed before sending, and a ``401`` with
    ``error="invalid_token"`` renews it once and replays the request once (checklist G1, G3).
    Renewals are single-flight per :class:`TokenStore` (pass one to share it between several
    auths); ``on_token(new)`` runs outside the store's lock, once per new token. Token-endpoint
    requests go through :func:`send_request` on ``session`` (a private one by default): no
    redirects, capped body. ``now`` defaults to a monotonic-backed clock (G1).
    """

    def __init__(
        self,
        client: ClientConfig,
        token: Token | TokenStore,
        *,
        on_token: Callable[[Token], None] | None = None,
        placement: BearerPlacement = BearerPlacement.HEADER,
        renew_with_client_credentials: bool = False,
        scope: str | Sequence[str] | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        deadline: float | None = DEFAULT_DEADLINE,
        max_bytes: int = MAX_BODY_BYTES,
        max_redirects: int = MAX_HOPS,
        session: requests.Session | None = None,
        now: Callable[[], int] | None = None,
    ) -> None:
        self.client = client
        self.store = token if isinstance(token, TokenStore) else TokenStore(token)
        self.on_token = on_token
        self.placement = placement
        self.renew_with_client_credentials = renew_with_client_credentials
        self.scope = scope
        self.timeout = timeout
        self.deadline = deadline
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self._given_now = now
        self._now = now if now is not None else steady_clock()
        self._given_session = session
        self._session = session if session is not None else requests.Session()

    @property
    def token(self) -> Token:
        """The token in force (the store's)."""
        return self.store.token

    @property
    def allow_insecure_transport(self) -> bool:
        return self.client.allow_insecure_transport

    def __repr__(self) -> str:
        return f"OAuth2Auth(client={self.client!r}, store={self.store!r})"

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        del state["_session"], state["_now"]  # rebuilt on load
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._now = self._given_now if self._given_now is not None else steady_clock()
        given = self._given_session
        self._session = given if given is not None else requests.Session()

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        unsigned, streamed = _to_core(r, allow_stream=self.placement is not BearerPlacement.BODY)
        exchange = _Exchange(self, unsigned, replayable=not streamed)
        _apply(r, exchange.start(), streamed=streamed)
        _remember(r, self, unsigned, streamed)
        r.register_hook("response", exchange.on_response)
        return r

    def _is_token_request(self, request: Request) -> bool:
        endpoint = self.client.token_endpoint
        return endpoint is not None and request.url == endpoint

    def _send_token_request(self, request: Request) -> Response:
        return send_request(
            self._session,
            request,
            timeout=self.timeout,
            max_bytes=self.max_bytes,
            deadline=self.deadline,
        )


class _Exchange:
    """One resource request under ``authorized_request_flow``, its renewals single-flight."""

    def __init__(self, auth: OAuth2Auth, request: Request, *, replayable: bool) -> None:
        self._auth = auth
        self._request = request
        self._replayable = replayable
        self._flow: Flow[AuthorizedResponse] | None = None
        self._snapshot: Token | None = None
        self._leading: _Attempt | None = None

    def start(self) -> Request:
        """Run a new flow on the store's token; return the resource request to send."""
        for _ in range(_MAX_RESTARTS):
            auth = self._auth
            self._snapshot = auth.store.token
            self._flow = authorized_request_flow(
                self._request,
                self._snapshot,
                auth.client,
                placement=auth.placement,
                renew_with_client_credentials=auth.renew_with_client_credentials,
                scope=auth.scope,
                on_token=self._adopt,
                now=auth._now,
            )
            request = self._advance(None)
            if request is not None:
                return request
        raise TokenExpiredError("the token kept being replaced while this request waited")

    def _advance(self, response: Response | None) -> Request | None:
        """Run the flow to its next resource request; None if another thread renewed the
        token first (the flow is then closed). StopIteration when the flow is over."""
        flow, store = self._flow, self._auth.store
        if flow is None or self._snapshot is None:
            raise StopIteration
        try:
            request = next(flow) if response is None else flow.send(response)
            while self._auth._is_token_request(request):
                if self._leading is None:
                    claim = store._claim(self._snapshot)
                    if claim is None:
                        flow.close()
                        return None
                    if isinstance(claim, Exception):
                        flow.close()
                        raise claim
                    self._leading = claim
                try:
                    answer = self._auth._send_token_request(request)
                except Exception as exc:
                    request = flow.throw(exc)
                else:
                    request = flow.send(answer)
            return request
        except BaseException as exc:
            leading, self._leading = self._leading, None
            if leading is not None:
                store._release(leading, failure=exc if isinstance(exc, Exception) else None)
            raise

    def _adopt(self, new: Token) -> None:
        """The flow's ``on_token``: put ``new`` in force, then run the caller's hook unlocked."""
        leading, self._leading = self._leading, None
        if leading is not None:
            self._auth.store._release(leading, new=new)
        hook = self._auth.on_token
        if hook is not None:
            hook(new)  # an exception becomes TokenUpdateError in the flow (checklist G7)

    def on_response(self, r: requests.Response, **kwargs: Any) -> requests.Response:
        final = self._replay_if_renewed(r, kwargs) if self._replayable else r
        if getattr(final.request, _MANAGED, False):
            return final
        auth = self._auth
        return _follow_without_session(
            final, kwargs, max_hops=auth.max_redirects, insecure=auth.allow_insecure_transport
        )

    def _replay_if_renewed(self, r: requests.Response, kwargs: dict[str, Any]) -> requests.Response:
        try:
            replay = self._advance(_core_response(r))
        except StopIteration:
            return r  # the flow is content: no renewal needed
        fresh = replay is None
        if replay is None:  # another thread renewed the token meanwhile: replay with that one
            replay = self.start()
        prepared = r.request.copy()
        prepared.hooks = {e: [h for h in hs if not _is_ours(h)] for e, hs in prepared.hooks.items()}
        _apply(prepared, replay, streamed=False)
        _remember(prepared, self._auth, self._request, False)
        setattr(prepared, _MANAGED, getattr(r.request, _MANAGED, False))
        _discard(r)
        answer = r.connection.send(prepared, **kwargs)
        answer.history = [*r.history, r, *answer.history]
        if fresh:
            if self._flow is not None:
                self._flow.close()  # replayed once; a second 401 is returned as it is
        else:
            with contextlib.suppress(StopIteration):  # the flow ends with the replay's answer
                self._advance(_core_response(answer))
        return answer


# Sessions and flows.


class _NoNetrc(AuthBase):
    """Stands in for "no auth" so that requests never reads ``.netrc`` (checklist C7)."""

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        return r


_NO_NETRC = _NoNetrc()


class OAuthSession(requests.Session):
    """A ``requests.Session`` with oauthcore's transport policy.

    - Redirects are followed through :func:`oauthcore.redirects.next_hop`: at most
      ``max_redirects`` (5) hops, TLS on every hop, no credentials (Authorization,
      Proxy-Authorization, Cookie, the auth) on a hop to another origin, OAuth 1.0a and Ofly
      re-signed with a fresh nonce for a same-origin hop. Redirect bodies are not decoded.
      ``allow_redirects=False`` is honoured, and nothing then reads the redirect.
    - ``timeout`` (connect 10 s, read 30 s) applies when a call gives none; ``deadline``
      bounds the whole exchange while the body is read (M3, T10).
    - A body read for the caller (``stream=False``) is capped at ``max_body_bytes`` after
      decompression (None: no cap), and more than two content-codings are refused (M1, M2).
    - ``.netrc`` credentials are never applied (C7); TLS verification stays on unless
      ``insecure_skip_tls_verify=True``, which is logged at WARNING (C9).
    - ``allow_insecure_transport`` lets redirects go to plain http hosts other than loopback.
    """

    __attrs__ = [  # noqa: RUF012  # requests' own pickling list, extended
        *requests.Session.__attrs__,
        "timeout",
        "deadline",
        "max_body_bytes",
        "allow_insecure_transport",
        "insecure_skip_tls_verify",
    ]

    def __init__(
        self,
        auth: AuthBase | None = None,
        *,
        timeout: Timeout = DEFAULT_TIMEOUT,
        deadline: float | None = DEFAULT_DEADLINE,
        max_redirects: int = MAX_HOPS,
        max_body_bytes: int | None = MAX_RESOURCE_BYTES,
        allow_insecure_transport: bool = False,
        insecure_skip_tls_verify: bool = False,
    ) -> None:
        super().__init__()
        self.auth = auth
        self.timeout = timeout
        self.deadline = deadline
        self.max_redirects = max_redirects
        self.max_body_bytes = max_body_bytes
        self.allow_insecure_transport = allow_insecure_transport
        self._insecure = False
        self.insecure_skip_tls_verify = insecure_skip_tls_verify

    @property
    def insecure_skip_tls_verify(self) -> bool:
        """True if TLS certificates are not verified (checklist C9; logged when set)."""
        return self._insecure

    @insecure_skip_tls_verify.setter
    def insecure_skip_tls_verify(self, value: bool) -> None:
        self._insecure = bool(value)
        if value:
            self.verify = False
            _LOG.warning(
                "TLS certificate verification is disabled for this %s "
                "(insecure_skip_tls_verify=True)",
                type(self).__name__,
            )

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        """Prepare as requests does, except that ``.netrc`` is never read (checklist C7)."""
        if request.auth is None and self.auth is None:
            request = copy.copy(request)
            request.auth = _NO_NETRC
        return super().prepare_request(request)

    def rebuild_auth(
        self, prepared_request: requests.PreparedRequest, response: requests.Response
    ) -> None:
        """Strip every credential header when the origin changes; never apply ``.netrc``."""
        if not _same_origin(response.request.url or "", prepared_request.url or ""):
            for name in CREDENTIAL_HEADERS:
                prepared_request.headers.pop(name, None)

    def resolve_redirects(  # type: ignore[override]  # yields oauthcore's hops
        self,
        resp: requests.Response,
        req: requests.PreparedRequest,
        stream: bool = False,
        timeout: Timeout | None = None,
        verify: bool | str = True,
        cert: str | tuple[str, str] | None = None,
        proxies: dict[str, str] | None = None,
        yield_requests: bool = False,
        **adapter_kwargs: Any,
    ) -> Iterator[requests.Response]:
        """Follow ``resp``'s redirects under oauthcore's policy; yield each response.

        ``yield_requests=True`` (requests' look-ahead for ``Response.next``) yields nothing:
        computing the next hop would read the redirect's body.
        """
        if yield_requests:
            return

        kwargs: dict[str, Any] = {
            "stream": stream,
            "timeout": timeout,
            "verify": verify,
            "cert": cert,
            "proxies": proxies,
            **adapter_kwargs,
        }

        def send(prepared: requests.PreparedRequest) -> requests.Response:
            return self._send_hop(prepared, kwargs)

        yield from _redirects(
            resp,
            send,
            max_hops=self.max_redirects,
            allow_insecure_transport=self.allow_insecure_transport,
            cookies=self.cookies,
        )

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        """Send ``request``; follow redirects under oauthcore's policy; read a capped body."""
        allow_redirects = kwargs.pop("allow_redirects", True)
        stream = kwargs.pop("stream", None)
        stream = self.stream if stream is None else stream
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        kwargs["verify"] = _checked_verify(
            kwargs.get("verify", self.verify), allowed=self.insecure_skip_tls_verify
        )
        started = time.monotonic()
        kwargs["stream"] = True  # bodies are read here, once the final response is known
        response = self._send_one(request, **kwargs)
        if allow_redirects:
            chain = _redirects(
                response,
                lambda prepared: self._send_hop(prepared, kwargs),
                max_hops=self.max_redirects,
                allow_insecure_transport=self.allow_insecure_transport,
                cookies=self.cookies,
            )
            response = _final(response, chain)
        if not stream:
            deadline = None if self.deadline is None else started + self.deadline
            _read_body(response, limit=self.max_body_bytes, deadline=deadline)
        else:
            check_content_codings(_pairs(response.headers.items()))
        return response

    def _send_one(self, prepared: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        setattr(prepared, _MANAGED, True)
        return super().send(prepared, allow_redirects=False, **kwargs)

    def _send_hop(
        self, prepared: requests.PreparedRequest, kwargs: dict[str, Any]
    ) -> requests.Response:
        # The proxies of the hop's own URL (NO_PROXY may differ), as requests' own redirects.
        proxies = self.rebuild_proxies(prepared, kwargs.get("proxies"))
        return self._send_one(prepared, **{**kwargs, "proxies": proxies})


def _prepared(request: Request, session: requests.Session) -> requests.PreparedRequest:
    """Return a PreparedRequest sending exactly ``request`` (the session's non-credential
    headers such as User-Agent added; no cookies, no auth, no URL re-quoting)."""
    prepared = requests.PreparedRequest()
    prepared.method = request.method
    prepared.url = request.url
    headers: CaseInsensitiveDict[str | bytes] = CaseInsensitiveDict(
        {k: v for k, v in session.headers.items() if k.lower() not in CREDENTIAL_HEADERS}
    )
    headers.update(request.headers)
    prepared.headers = headers
    prepared.body = request.body or None
    prepared.prepare_content_length(prepared.body)
    return prepared


def send_request(
    session: requests.Session,
    request: Request,
    *,
    timeout: Timeout = DEFAULT_TIMEOUT,
    max_bytes: int = MAX_BODY_BYTES,
    deadline: float | None = DEFAULT_DEADLINE,
    insecure_skip_tls_verify: bool = False,
) -> Response:
    """Send one neutral request over ``session`` and return the neutral response.

    For token, revocation, introspection and metadata requests: a redirect is never followed
    (:class:`~oauthcore.RedirectPolicyError`, and nothing reaches the target; checklist D4,
    D5); the body is read with at most ``max_bytes`` decoded bytes and two content-codings
    (A4, A5), within ``deadline`` seconds of sending. The session's auth, cookies and
    ``.netrc`` are not applied (C7). Transport failures are requests' own exceptions.
    """
    prepared = _prepared(request, session)
    url = prepared.url or ""
    started = time.monotonic()
    # The environment's proxies and CA bundle, as requests applies them (never .netrc).
    settings = session.merge_environment_settings(
        url, {}, True, False if insecure_skip_tls_verify else None, None
    )
    allowed = insecure_skip_tls_verify or getattr(session, "insecure_skip_tls_verify", False)
    verify = _checked_verify(settings["verify"], allowed=bool(allowed))
    # The connection adapter itself, not Session.send: requests would read (and decode) a
    # redirect's body to prepare the hop it never sends (checklist D8).
    response = session.get_adapter(url).send(
        prepared,
        stream=True,
        timeout=timeout,
        verify=verify,
        cert=settings["cert"],
        proxies=settings["proxies"],
    )
    try:
        status = response.status_code
        if status in REDIRECT_STATUSES:
            location = response.headers.get("location", "")
            next_hop(request, status, location, hops=0, follow=False)  # raises (D4)
        body = _read_body(
            response,
            limit=max_bytes,
            deadline=None if deadline is None else started + deadline,
        )
        return _core_response(response, body)
    finally:
        response.close()


def send_flow(
    session: requests.Session,
    flow: Flow[T],
    *,
    timeout: Timeout = DEFAULT_TIMEOUT,
    max_bytes: int = MAX_BODY_BYTES,
    deadline: float | None = DEFAULT_DEADLINE,
    insecure_skip_tls_verify: bool = False,
) -> T:
    """Run a core flow over ``session`` with :func:`oauthcore.flows.drive`; return its result.

    Each request goes through :func:`send_request`: no redirects, capped bodies, default
    timeouts, TLS verified unless ``insecure_skip_tls_verify`` (logged at WARNING).
    """
    if insecure_skip_tls_verify:
        _LOG.warning("TLS certificate verification is disabled for this flow")

    def send(request: Request) -> Response:
        return send_request(
            session,
            request,
            timeout=timeout,
            max_bytes=max_bytes,
            deadline=deadline,
            insecure_skip_tls_verify=insecure_skip_tls_verify,
        )

    return drive(flow, send)


def _endpoint_request(
    session: requests.Session, method: str, url: str, **kwargs: Any
) -> requests.Response:
    """Send a request to a token endpoint through a (rauth) session: never redirected (D4),
    body read with the token-response cap (A4). Used by the rauth Service classes."""
    kwargs.pop("allow_redirects", None)
    kwargs.pop("stream", None)
    response = session.request(method, url, allow_redirects=False, stream=True, **kwargs)
    try:
        status = response.status_code
        if status in REDIRECT_STATUSES:
            sent, _ = _to_core(response.request, allow_stream=True)
            next_hop(sent, status, response.headers.get("location", ""), hops=0, follow=False)
    except BaseException:
        response.close()
        raise
    deadline = getattr(session, "deadline", None)
    _read_body(
        response,
        limit=MAX_BODY_BYTES,
        deadline=None if deadline is None else time.monotonic() + deadline,
    )
    return response
