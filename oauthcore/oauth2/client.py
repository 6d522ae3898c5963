"""The OAuth 2.0 client's configuration, and client authentication at the token endpoint.

RFC 6749 §2.3.1 (``client_secret_basic``: id and secret form-encoded, Appendix B, before
base64; ``client_secret_post``), §2.2 and §3.2.1 (a public client sends ``client_id``),
§3.1 and §3.1.2 (endpoint and redirection URIs: absolute, no fragment), RFC 8252 §7 (native
app redirect URIs), RFC 9700 §2.6 and checklist C1–C4 (TLS everywhere but loopback).

Pure; imports no HTTP client, reads no clock, no randomness and no environment.
"""

from __future__ import annotations

import binascii
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from urllib.parse import quote_plus, urlsplit

from .._encoding import encode_form, utf8
from .._urls import check_transport, parse_url
from ..errors import ConfigurationError
from ..http import Request, has_control

__all__ = [
    "ClientAuthMethod",
    "ClientConfig",
    "apply_client_auth",
    "basic_authorization",
    "build_token_endpoint_request",
    "check_endpoint",
    "check_redirect_uri",
    "scope_tokens",
]


class ClientAuthMethod(str, Enum):
    """How the client authenticates to the token endpoint (RFC 6749 §2.3, RFC 7591 §2)."""

    CLIENT_SECRET_BASIC = "client_secret_basic"  # noqa: S105 (a method name, not a secret)
    CLIENT_SECRET_POST = "client_secret_post"  # noqa: S105 (a method name, not a secret)
    NONE = "none"

    def __str__(self) -> str:
        return self.value


def scope_tokens(scope: str | Sequence[str]) -> tuple[str, ...]:
    """Return ``scope`` as its scope-tokens, each checked to be 1*NQCHAR (RFC 6749 §3.3, A.4).

    A string is split on single spaces, as the grammar has it (an empty string is no token);
    a sequence is taken as the tokens.
    """
    tokens = tuple(scope.split(" ") if scope else ()) if isinstance(scope, str) else tuple(scope)
    for token in tokens:
        if not (isinstance(token, str) and token.isascii() and token.isprintable()) or (
            not token or " " in token or '"' in token or "\\" in token
        ):
            raise ConfigurationError("each scope-token must be 1*NQCHAR (RFC 6749 §3.3, A.4)")
    return tokens


def check_endpoint(url: str, *, what: str, allow_insecure_transport: bool = False) -> None:
    """Refuse an endpoint URL that is not absolute http(s), has a fragment, or lacks TLS.

    RFC 6749 §3.1 ("MUST NOT include a fragment component"), §3.2; checklist C1, F2, F6.
    """
    parsed = parse_url(url)
    if parsed.fragment or "#" in url:
        raise ConfigurationError(f"{what} URL must not have a fragment (RFC 6749 §3.1)")
    check_transport(parsed, what=what, allow_insecure=allow_insecure_transport)


def check_redirect_uri(uri: str, *, allow_insecure_transport: bool = False) -> None:
    """Refuse a redirection URI that is relative, has a fragment, or lacks TLS.

    RFC 6749 §3.1.2; RFC 8252 §7.1: a native app may use a private-use scheme
    (``com.example.app:/cb``); http(s) ones follow the transport policy (checklist F6, C1).
    """
    if has_control(uri) or " " in uri:
        raise ConfigurationError("redirect_uri contains a space or a control character")
    scheme = _scheme(uri)
    if scheme in ("http", "https"):
        check_endpoint(uri, what="redirect_uri", allow_insecure_transport=allow_insecure_transport)
    elif not scheme or "#" in uri:
        raise ConfigurationError(
            "redirect_uri must be an absolute URI without a fragment (RFC 6749 §3.1.2)"
        )


def _scheme(uri: str) -> str:
    # urlsplit refuses a malformed IPv6 literal with a message quoting the URI: an empty
    # scheme instead, and the caller's error is raised outside this block (checklist I4).
    try:
        return urlsplit(uri).scheme.lower()
    except ValueError:
        return ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientConfig:
    """A registered OAuth 2.0 client and the authorization server it talks to.

    ``auth_method`` defaults to ``client_secret_basic`` when there is a secret and ``none``
    (a public client) when there is not. ``basic_auth_raw`` is the interop switch for servers
    that do not form-decode the Basic credentials (checklist E5): id and secret then go into
    base64 unencoded. ``issuer`` enables the RFC 9207 ``iss`` check; ``issuer_sends_iss``
    (the server metadata's ``authorization_response_iss_parameter_supported``) makes ``iss``
    mandatory. ``strict`` refuses what interop otherwise tolerates (a missing ``token_type``,
    a non-positive ``expires_in``). ``leeway`` is how many seconds before expiry a token
    counts as expired. ``allow_insecure_transport`` lets this client use plain ``http`` to
    hosts other than loopback; nothing else can (checklist C6, N2).

    The secret never appears in ``repr``.
    """

    client_id: str
    client_secret: str | None = field(default=None, repr=False)
    auth_method: ClientAuthMethod | None = None
    basic_auth_raw: bool = False
    authorization_endpoint: str | None = None
    token_endpoint: str | None = None
    redirect_uri: str | None = None
    issuer: str | None = None
    issuer_sends_iss: bool = False
    strict: bool = False
    leeway: int = 60
    allow_insecure_transport: bool = False

    def __post_init__(self) -> None:
        for name, value in (("client_id", self.client_id), ("client_secret", self.client_secret)):
            if value is None:
                continue
            if has_control(value) or utf8(value) is None:
                raise ConfigurationError(
                    f"{name} contains a control character or a lone surrogate (checklist E1)"
                )
        if not self.client_id:
            raise ConfigurationError("client_id must not be empty (RFC 6749 §2.2)")
        if self.auth_method is not None and not isinstance(self.auth_method, ClientAuthMethod):
            raise ConfigurationError("auth_method must be a ClientAuthMethod")
        if self.effective_auth_method is not ClientAuthMethod.NONE and not self.client_secret:
            raise ConfigurationError(f"{self.effective_auth_method.value} needs a client_secret")
        if self.leeway < 0:
            raise ConfigurationError("leeway must not be negative")
        for what, url in (
            ("authorization endpoint", self.authorization_endpoint),
            ("token endpoint", self.token_endpoint),
        ):
            if url is not None:
                check_endpoint(
                    url, what=what, allow_insecure_transport=self.allow_insecure_transport
                )
        if self.redirect_uri is not None:
            check_redirect_uri(
                self.redirect_uri, allow_insecure_transport=self.allow_insecure_transport
            )
        if self.issuer is not None:
            check_endpoint(
                self.issuer, what="issuer", allow_insecure_transport=self.allow_insecure_transport
            )

    @property
    def effective_auth_method(self) -> ClientAuthMethod:
        """The authentication method in force, the default resolved."""
        if self.auth_method is not None:
            return self.auth_method
        if self.client_secret:
            return ClientAuthMethod.CLIENT_SECRET_BASIC
        return ClientAuthMethod.NONE


def basic_authorization(client_id: str, client_secret: str, *, raw: bool = False) -> str:
    """Return the ``Authorization: Basic`` value for a client (RFC 6749 §2.3.1).

    Id and secret are each encoded with ``application/x-www-form-urlencoded`` (Appendix B:
    UTF-8, space as ``+``) before being joined by ``:`` and base64-encoded, so a ``:`` or any
    non-ASCII character is unambiguous (checklist E5). ``raw`` skips the form-encoding, for
    servers that do not decode it.
    """
    if raw:
        pair = f"{client_id}:{client_secret}"
    else:
        pair = f"{quote_plus(client_id, safe='')}:{quote_plus(client_secret, safe='')}"
    encoded = utf8(pair)
    if encoded is None:
        raise ConfigurationError("client credentials are not encodable as UTF-8")
    return "Basic " + binascii.b2a_base64(encoded, newline=False).decode("ascii")


def apply_client_auth(
    client: ClientConfig, params: list[tuple[str, str]]
) -> tuple[list[tuple[str, str]], tuple[tuple[str, str], ...]]:
    """Return the body parameters and the headers that authenticate ``client``.

    ``client_secret_basic`` adds an ``Authorization`` header; ``client_secret_post`` adds
    ``client_id`` and ``client_secret`` to the body; ``none`` adds ``client_id`` (§3.2.1).
    """
    method = client.effective_auth_method
    if method is ClientAuthMethod.CLIENT_SECRET_BASIC:
        value = basic_authorization(
            client.client_id, client.client_secret or "", raw=client.basic_auth_raw
        )
        return params, (("Authorization", value),)
    if method is ClientAuthMethod.CLIENT_SECRET_POST:
        return [
            *params,
            ("client_id", client.client_id),
            ("client_secret", client.client_secret or ""),
        ], ()
    return [*params, ("client_id", client.client_id)], ()


def build_token_endpoint_request(
    client: ClientConfig, params: list[tuple[str, str]], *, url: str | None = None
) -> Request:
    """Return the authenticated POST to the token endpoint carrying form ``params``.

    RFC 6749 §3.2: POST, ``application/x-www-form-urlencoded``, and ``Accept:
    application/json`` so legacy providers answer in JSON. ``url`` defaults to the client's
    token endpoint.
    """
    endpoint = url if url is not None else client.token_endpoint
    if endpoint is None:
        raise ConfigurationError("the client has no token_endpoint")
    if url is not None:
        check_endpoint(
            url, what="token endpoint", allow_insecure_transport=client.allow_insecure_transport
        )
    body, auth_headers = apply_client_auth(client, params)
    headers = (
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Accept", "application/json"),
        *auth_headers,
    )
    return Request(method="POST", url=endpoint, headers=headers, body=encode_form(body).encode())
