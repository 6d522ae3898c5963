"""The redirect policy every adapter applies: which hops to follow and what they may carry.

RFC 9110 §15.4 (3xx semantics), RFC 9700 §4.11 and §2.6 (no credentials to another origin,
TLS on every hop), checklist C5 and D1–D7. The adapters turn their client's redirect handling
off and ask :func:`next_hop` for each hop instead, so the policy is written once.

Pure; imports no HTTP client.
"""

from __future__ import annotations

from urllib.parse import urljoin

from ._urls import check_transport, parse_url
from .errors import ConfigurationError, InsecureTransportError, RedirectPolicyError
from .http import Request

__all__ = ["CREDENTIAL_HEADERS", "MAX_HOPS", "REDIRECT_STATUSES", "next_hop", "same_origin"]

MAX_HOPS = 5
"""Redirects followed for one request at most (checklist D6)."""

REDIRECT_STATUSES = frozenset((301, 302, 303, 307, 308))

CREDENTIAL_HEADERS = frozenset(("authorization", "proxy-authorization", "cookie"))
"""Header names (compared in lower case) removed when a redirect changes the origin (D1, D2)."""


def same_origin(first: str, second: str) -> bool:
    """True if two URLs share scheme, host and port (default ports omitted; RFC 6454).

    What decides whether a hop may keep, or be signed again with, the request's credentials.
    A URL that does not parse shares no origin with anything.
    """
    try:
        return parse_url(first).origin == parse_url(second).origin
    except ConfigurationError:
        return False


def next_hop(
    request: Request,
    status: int,
    location: str,
    *,
    hops: int,
    max_hops: int = MAX_HOPS,
    follow: bool = True,
    allow_insecure_transport: bool = False,
    streamed: bool = False,
) -> Request:
    """Return the request to send for a redirect answer to ``request``, or refuse it.

    ``hops`` counts the redirects already followed. ``follow=False`` is for requests that must
    never be redirected, such as token, revocation and introspection requests, whose bodies
    carry secrets (checklist D4). Raises :class:`~oauthcore.RedirectPolicyError` naming the
    status and the target *origin* only.

    The next request keeps the method and body for 307 and 308; 303, and 301/302 after a POST,
    become a GET without a body (RFC 9110 §15.4.2–§15.4.4). When scheme, host or port change,
    every ``Authorization``, ``Proxy-Authorization`` and ``Cookie`` header is removed, whatever
    its letter case and however many copies there are, and a body that the hop would re-send
    is refused (it may carry a token); a same-host http→https upgrade counts as a change too.
    An OAuth 1.0a or Ofly request is re-signed by its caller for a same-origin hop, never for
    another origin (D3).

    ``streamed``: the request's body was a stream, sent and gone (``request`` carries none).
    A hop that would send the body again is refused, since what it sent would be empty or
    partial; a hop that drops the body is followed, and carries no body.
    """
    if status not in REDIRECT_STATUSES:
        raise ConfigurationError(f"HTTP {status} is not a redirect")
    if not follow:
        raise RedirectPolicyError(f"HTTP {status} redirect not followed for this request (D4)")
    if hops >= max_hops:
        raise RedirectPolicyError(f"more than {max_hops} redirects (checklist D6)")
    current = parse_url(request.url)
    try:
        target = parse_url(urljoin(request.url, location.strip(" \t")))
    except ConfigurationError:
        raise RedirectPolicyError(
            f"HTTP {status} redirect to an unusable or non-http(s) location (checklist D7)"
        ) from None
    if current.scheme == "https" and target.scheme == "http":
        raise RedirectPolicyError(f"HTTP {status} redirect from https to {target.origin} (C5)")
    try:
        check_transport(target, what="redirect target", allow_insecure=allow_insecure_transport)
    except InsecureTransportError:
        raise RedirectPolicyError(
            f"HTTP {status} redirect to {target.origin} without TLS"
        ) from None
    headers = request.headers
    method, body = request.method, request.body
    drops_body = status == 303 or (status in (301, 302) and method == "POST")
    if streamed and not drops_body:
        raise RedirectPolicyError(f"HTTP {status} redirect would re-send a streamed body")
    if target.origin != current.origin:
        headers = tuple(pair for pair in headers if pair[0].lower() not in CREDENTIAL_HEADERS)
        if body and not drops_body:
            # A 307/308 would re-send the body, which may hold a form-placed token or a
            # signed OAuth 1.0a parameter set: never to another origin.
            raise RedirectPolicyError(
                f"HTTP {status} redirect would re-send the body to {target.origin} (D1)"
            )
    if drops_body:
        if method != "HEAD":
            method = "GET"
        body = b""
        headers = tuple(
            pair
            for pair in headers
            if pair[0].lower() not in ("content-type", "content-length", "transfer-encoding")
        )
    return Request(method=method, url=target.without_fragment(), headers=headers, body=body)
