"""Translation between ``requests`` objects and :mod:`oauthcore.http`, body reading and caps,
and redirect following under oauthcore's policy.

A private part of :mod:`oauthcore.adapters.requests`: import the public names from there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple

from ..errors import ConfigurationError, MissingDependencyError

try:
    import requests
    from requests.auth import AuthBase
    from requests.hooks import dispatch_hook
    from requests.structures import CaseInsensitiveDict
except ImportError as exc:  # checklist N5: a typed error with an install hint
    raise MissingDependencyError("requests", "requests") from exc

from ..http import Request, Response
from ..limits import check_content_codings, read_limited
from ..redirects import next_hop, same_origin
from ._deadline import body_deadline
from ._logging import install_url_redaction

# requests sends through urllib3, which logs every request line at DEBUG: queries redacted
# there (a token or signature may travel in one; checklist T6).
install_url_redaction()

Timeout = float | tuple[float, float]

DEFAULT_TIMEOUT: tuple[float, float] = (10.0, 30.0)
"""Connect and read timeouts, in seconds, of every request this module sends (checklist M3)."""

DEFAULT_DEADLINE = 60.0
"""Seconds from sending a request to the end of reading its body, when this module reads it."""

MAX_RESOURCE_BYTES = 32 * 1024 * 1024
"""Default cap on a resource response body that :class:`OAuthSession` reads (not streamed)."""

_CHUNK = 64 * 1024
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
    # An empty body stays b"" where the caller gave one (Content-Length: 0 on a POST), and is
    # None where there was none or a stream that a hop dropped (else requests sends chunked).
    new = request.body if request.body or isinstance(old, (bytes, str)) else None
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
    with body_deadline(deadline, response.raw.shutdown) as expired:
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
    if expired.is_set():  # the shutdown looks like the end of the body: it is not
        response.close()
        raise requests.exceptions.ReadTimeout("total deadline exceeded reading the body")
    response._content = body  # what .content, .text and .json() read from now on
    return body


def _discard(response: requests.Response) -> None:
    """Drop a redirect's body unread: it is never decoded (checklist D8)."""
    response.close()


# Redirects, followed by oauthcore's policy (checklist C5, D1-D7).


class _OwnHooks:
    """Base of the objects (the auths, an OAuth 2.0 exchange) whose bound methods oauthcore
    registers as response hooks: a redirect hop or a replay drops them (see :func:`_is_ours`)."""


def _is_ours(hook: object) -> bool:
    return isinstance(getattr(hook, "__self__", None), _OwnHooks)


def _copy_without_our_hooks(sent: requests.PreparedRequest) -> requests.PreparedRequest:
    """A copy of ``sent`` to send again (a redirect hop, a replay) without oauthcore's
    response hooks: the loop sending the copy sees its answer, not the hooks again."""
    prepared = sent.copy()
    prepared.hooks = {
        event: [hook for hook in hooks if not _is_ours(hook)] for event, hooks in sent.hooks.items()
    }
    return prepared


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
    try:
        hop = next_hop(
            base,
            status,
            response.headers.get("location", ""),
            hops=hops,
            max_hops=max_hops,
            allow_insecure_transport=allow_insecure_transport,
            streamed=streamed,
        )
    finally:
        _discard(response)  # followed or refused, the redirect's connection goes back
    prepared = _copy_without_our_hooks(sent)
    _apply(prepared, hop, streamed=False)  # a followed hop never carries a stream on
    kept = same_origin(base.url, hop.url)
    if kept and cookies is not None:
        prepared.headers.pop("Cookie", None)
        prepared.prepare_cookies(cookies)
    if kept and auth is not None:
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
