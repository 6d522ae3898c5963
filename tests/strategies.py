"""Shared hypothesis strategies, and request helpers, for the OAuth 1.0a tests.

Strategies: :func:`request_parts` (method, http(s) URL on a random host and path, random query,
optional form or JSON body), :func:`credential_text` (keys and secrets with non-ASCII, reserved
characters and spaces), :data:`SIGNATURE_METHODS`, :data:`PLACEMENTS` and :func:`signing_cases`
(everything :func:`~oauthcore.oauth1.sign_request` takes).

Helpers: :func:`sign_case` signs a drawn case, :func:`oauth_params_of` / :func:`rewrite_oauth`
read and rewrite the protocol parameters wherever they travel (header, query or form body), and
the ``tamper_*`` functions change one thing in a signed request.
"""

from __future__ import annotations

import binascii
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from urllib.parse import urlsplit, urlunsplit

from hypothesis import strategies as st

from oauthcore.http import Request
from oauthcore.oauth1 import (
    ClientCredentials,
    Placement,
    SignatureMethod,
    Signer,
    TokenCredentials,
    build_authorization_header,
    is_form_content_type,
    parse_authorization_header,
    percent_decode,
    percent_encode,
    sign_request,
)
from oauthcore.rsa import RSAPrivateKey

FORM = "application/x-www-form-urlencoded"
JSON_TYPE = "application/json"
NOW = 1_700_000_000
"""The fixed server clock of the property tests (2023-11-14T22:13:20Z)."""
WINDOW = 300

SIGNATURE_METHODS: Sequence[SignatureMethod] = tuple(SignatureMethod)
HMAC_METHODS: Sequence[SignatureMethod] = (
    SignatureMethod.HMAC_SHA1,
    SignatureMethod.HMAC_SHA256,
    SignatureMethod.HMAC_SHA512,
)
RSA_METHODS: Sequence[SignatureMethod] = tuple(m for m in SignatureMethod if m.is_rsa)
PLACEMENTS: Sequence[Placement] = tuple(Placement)

signature_methods = st.sampled_from(SIGNATURE_METHODS)
placements = st.sampled_from(PLACEMENTS)

# Characters that stress RFC 5849 §3.6 encoding (checklist E3, E4): reserved, '%', '+', space,
# quotes and backslash (header quoting), multi-byte UTF-8, a combining mark, NBSP, astral.
TRICKY = "&=+%~ *\"\\,:/?#;!'()[]@$é☃😀\u0301\u00a0日"
# With the edge of RFC 3986's unreserved set, where encoders most often go wrong ('~' stays,
# the rest is escaped, E4), and a few plain characters to mix in.
_tricky_alphabet = st.sampled_from(TRICKY + "~-._*+%~aZ09")
UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"

# Any text Python can UTF-8 encode: lone surrogates (category Cs) have no UTF-8 form and are a
# typed error everywhere (checklist E3), tested separately.
_any_char = st.characters(exclude_categories=["Cs"])
# Keys, tokens and secrets: no control characters either (refused in header values, E1).
_key_char = st.characters(exclude_categories=["Cs", "Cc"])


def _text(chars: st.SearchStrategy[str], min_size: int, max_size: int) -> st.SearchStrategy[str]:
    # Either any characters, or mostly tricky ones: st.text() would merge a one_of alphabet into
    # one set of code points and lose the bias, so the two are separate strings.
    return st.one_of(
        st.text(chars, min_size=min_size, max_size=max_size),
        st.text(_tricky_alphabet, min_size=min_size, max_size=max_size),
    )


def param_text(*, min_size: int = 0, max_size: int = 8) -> st.SearchStrategy[str]:
    """Decoded parameter names and values: any UTF-8-encodable text, tricky characters often."""
    return _text(_any_char, min_size, max_size)


def credential_text(*, min_size: int = 0, max_size: int = 10) -> st.SearchStrategy[str]:
    """Keys and secrets: non-ASCII, reserved characters and spaces, no control characters."""
    return _text(_key_char, min_size, max_size)


def user_names() -> st.SearchStrategy[str]:
    """Parameter names an application may use: anything but the reserved ``oauth_`` prefix."""
    return param_text().filter(lambda name: not name.startswith("oauth_"))


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_label = st.builds(
    str.__add__,
    st.sampled_from(_LETTERS),
    st.text(st.sampled_from(_LETTERS + "0123456789-"), max_size=9),
)
hosts = st.lists(_label, min_size=1, max_size=3).map(".".join)
"""ASCII DNS-style hosts, letters first (no IP literals, no IDN: see the differential tests)."""

ports = st.one_of(
    st.sampled_from(["", ":", ":443", ":80", ":8443"]),
    st.integers(1, 65535).map(lambda port: f":{port}"),
)
"""The port part of an authority: none, empty (the default, RFC 3986 §3.2.3) or a number."""

# A path segment: RFC 3986 pchar without ';' (oauthlib's urlparse would split it off as
# "params", see the differential tests), or percent-encoded text.
_segment = st.one_of(
    st.text(st.sampled_from(UNRESERVED + "!$&'()*+,=:@"), max_size=8),
    param_text(max_size=6).map(percent_encode),
)
paths = st.one_of(
    st.just(""),
    st.lists(_segment, max_size=3).map(lambda segments: "/" + "/".join(segments)),
)
methods = st.one_of(
    st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "post"]),
    st.builds(
        str.__add__,
        st.sampled_from(_LETTERS),
        st.text(st.sampled_from(_LETTERS + "0123456789!#$%&'*+.^_`|~-"), max_size=9),
    ),
)
"""HTTP methods: the usual ones, lower case, and any other RFC 9110 token."""

_HEX = re.compile(r"%[0-9A-F]{2}")


def form_encode(text: str, *, plus: bool = False, lower_hex: bool = False) -> str:
    """Encode text for a query or form body: %20 or '+' for a space, upper or lower hex."""
    encoded = percent_encode(text)
    if plus:
        encoded = encoded.replace("%20", "+")
    if lower_hex:
        encoded = _HEX.sub(lambda match: match.group().lower(), encoded)
    return encoded


Pair = tuple[str, str | None]
"""A form pair; value None writes the name alone (no '='), which decodes to an empty value."""


def encode_pairs(pairs: Sequence[Pair], *, plus: bool = False, lower_hex: bool = False) -> str:
    """Return ``pairs`` as a form-encoded string."""
    out = []
    for name, value in pairs:
        encoded = form_encode(name, plus=plus, lower_hex=lower_hex)
        if value is not None:
            encoded += "=" + form_encode(value, plus=plus, lower_hex=lower_hex)
        out.append(encoded)
    return "&".join(out)


def decoded_pairs(pairs: Sequence[Pair]) -> list[tuple[str, str]]:
    """The decoded (name, value) list a form parser gives for ``pairs`` (empty pairs dropped)."""
    return [(name, value or "") for name, value in pairs if name or value is not None]


pairs_lists = st.lists(st.tuples(user_names(), st.one_of(st.none(), param_text())), max_size=4)


@dataclass(frozen=True)
class RequestParts:
    """A request before signing, kept in parts so tests can build it for other libraries."""

    method: str
    scheme: str
    host: str
    port: str
    path: str
    query: tuple[Pair, ...]
    plus: bool
    lower_hex: bool
    fragment: str
    body_kind: str  # "none", "form" or "json"
    form: tuple[Pair, ...]
    json_body: bytes

    @property
    def query_string(self) -> str:
        return encode_pairs(self.query, plus=self.plus, lower_hex=self.lower_hex)

    @property
    def url(self) -> str:
        query = f"?{self.query_string}" if self.query else ""
        fragment = f"#{self.fragment}" if self.fragment else ""
        return f"{self.scheme}://{self.host}{self.port}{self.path}{query}{fragment}"

    @property
    def form_string(self) -> str:
        return encode_pairs(self.form, plus=self.plus, lower_hex=self.lower_hex)

    @property
    def body(self) -> bytes:
        if self.body_kind == "form":
            return self.form_string.encode("ascii")
        return self.json_body if self.body_kind == "json" else b""

    @property
    def headers(self) -> tuple[tuple[str, str], ...]:
        if self.body_kind == "form":
            return (("Content-Type", FORM),)
        return (("Content-Type", JSON_TYPE),) if self.body_kind == "json" else ()

    def signed_params(self) -> list[tuple[str, str]]:
        """Decoded query and form-body parameters: what §3.4.1.3.1 signs besides oauth_*."""
        body = decoded_pairs(self.form) if self.body_kind == "form" else []
        return decoded_pairs(self.query) + body

    def to_request(self) -> Request:
        return Request(method=self.method, url=self.url, headers=self.headers, body=self.body)


json_bodies = st.dictionaries(param_text(), param_text(), max_size=3).map(
    lambda value: json.dumps(value, ensure_ascii=False).encode("utf-8")
)


HTTPS = st.just("https")
BODY_KINDS = st.sampled_from(["none", "form", "json"])


@st.composite
def request_parts(
    draw: st.DrawFn,
    *,
    schemes: st.SearchStrategy[str] = HTTPS,
    body_kinds: st.SearchStrategy[str] = BODY_KINDS,
    min_form: int = 0,
) -> RequestParts:
    """A request: method, URL on a random host, path and query, optional form or JSON body."""
    body_kind = draw(body_kinds)
    return RequestParts(
        method=draw(methods),
        scheme=draw(schemes),
        host=draw(hosts),
        port=draw(ports),
        path=draw(paths),
        query=tuple(draw(pairs_lists)),
        plus=draw(st.booleans()),
        lower_hex=draw(st.booleans()),
        fragment=draw(st.text(st.sampled_from(UNRESERVED), max_size=5)),
        body_kind=body_kind,
        form=tuple(draw(pairs_lists.filter(lambda p: len(p) >= min_form)))
        if body_kind == "form"
        else (),
        json_body=draw(json_bodies) if body_kind == "json" else b"",
    )


nonces = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=30)
"""Nonces a verifier accepts (1 to 256 printable ASCII): up to 30, '"' '\\' '%' included."""


@dataclass(frozen=True)
class SigningCase:
    """Everything one call of sign_request takes, and the secrets the server needs."""

    parts: RequestParts
    client: ClientCredentials
    token: TokenCredentials | None
    placement: Placement
    realm: str | None
    callback: str | None
    verifier: str | None
    version: bool
    timestamp: int
    nonce: str

    @property
    def method(self) -> SignatureMethod:
        return self.client.signature_method


@st.composite
def signing_cases(
    draw: st.DrawFn,
    *,
    methods: st.SearchStrategy[SignatureMethod] = signature_methods,
    rsa_key: RSAPrivateKey | None = None,
) -> SigningCase:
    """A request and the credentials and options to sign it with, fit for a verifier at NOW.

    RSA methods need ``rsa_key``. Body placement is drawn only for requests without a JSON
    body (RFC 5849 §3.5.2 puts parameters in a form body only).
    """
    method = draw(methods)
    placement = draw(placements)
    kinds = ["none", "form"] if placement is Placement.BODY else ["none", "form", "json"]
    parts = draw(request_parts(body_kinds=st.sampled_from(kinds)))
    client = ClientCredentials(
        key=draw(credential_text(min_size=1)),
        secret=draw(credential_text(min_size=1)),
        signature_method=method,
        rsa_key=rsa_key if method.is_rsa else None,
    )
    token = None
    if draw(st.booleans()):
        token = TokenCredentials(
            token=draw(credential_text(min_size=1)), secret=draw(credential_text())
        )
    realm = None
    if placement is Placement.HEADER:
        realm = draw(
            st.one_of(st.none(), st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E)))
        )
    return SigningCase(
        parts=parts,
        client=client,
        token=token,
        placement=placement,
        realm=realm,
        callback=draw(st.one_of(st.none(), param_text(min_size=1))),
        verifier=draw(st.one_of(st.none(), param_text(min_size=1))) if token else None,
        version=draw(st.booleans()),
        timestamp=NOW + draw(st.integers(-WINDOW, WINDOW)),
        nonce=draw(nonces),
    )


def sign_case(case: SigningCase, *, signer: Signer | None = None) -> Request:
    """Sign the case's request with its fixed timestamp and nonce.

    With ``signer`` (one built from the case's credentials), through :meth:`Signer.sign`
    instead of :func:`~oauthcore.oauth1.sign_request`; the two must give the same request.
    """
    sign: Callable[..., Request] = (
        partial(sign_request, client=case.client, token=case.token)
        if signer is None
        else signer.sign
    )
    return sign(
        case.parts.to_request(),
        placement=case.placement,
        realm=case.realm,
        callback=case.callback,
        verifier=case.verifier,
        version=case.version,
        now=lambda: case.timestamp,
        nonce=lambda: case.nonce,
    )


# --- reading and rewriting the protocol parameters of a signed request ---------------------------

OAuthParams = list[tuple[str, str]]


def _oauth_header(request: Request) -> str | None:
    for name, value in request.headers:
        if name.lower() == "authorization" and value[:6].lower() == "oauth ":
            return value
    return None


def _split_form(text: str) -> list[str]:
    return text.split("&") if text else []


def _decode_segment(segment: str) -> tuple[str, str]:
    name, _, value = segment.partition("=")
    return percent_decode(name.replace("+", " ")), percent_decode(value.replace("+", " "))


def oauth_params_of(request: Request) -> OAuthParams:
    """The decoded oauth_* parameters of ``request``, wherever they travel."""
    header = _oauth_header(request)
    if header is not None:
        return parse_authorization_header(header)[1]
    segments = _split_form(urlsplit(request.url).query)
    if is_form_content_type(request.header("Content-Type")):
        segments += _split_form(request.body.decode("ascii"))
    pairs = [_decode_segment(segment) for segment in segments if segment.startswith("oauth_")]
    return pairs


def oauth_value(request: Request, name: str) -> str:
    """The decoded value of protocol parameter ``name``."""
    return dict(oauth_params_of(request))[name]


def rewrite_oauth(request: Request, edit: Callable[[OAuthParams], OAuthParams]) -> Request:
    """Return ``request`` with its oauth_* parameters replaced by ``edit(params)``, in place.

    The new parameters go where the old ones were (header, query or form body), other
    parameters are untouched; the signature is not recomputed.
    """
    header = _oauth_header(request)
    if header is not None:
        realm, params = parse_authorization_header(header)
        value = build_authorization_header(edit(params), realm=realm)
        headers = tuple((name, value if old == header else old) for name, old in request.headers)
        return replace(request, headers=headers)
    parts = urlsplit(request.url)
    query = _split_form(parts.query)
    if any(segment.startswith("oauth_") for segment in query):
        others = [segment for segment in query if not segment.startswith("oauth_")]
        old = [_decode_segment(segment) for segment in query if segment.startswith("oauth_")]
        new_query = "&".join(
            others + [f"{percent_encode(n)}={percent_encode(v)}" for n, v in edit(old)]
        )
        return replace(request, url=urlunsplit(parts._replace(query=new_query)))
    body = _split_form(request.body.decode("ascii"))
    others = [segment for segment in body if not segment.startswith("oauth_")]
    old = [_decode_segment(segment) for segment in body if segment.startswith("oauth_")]
    new_body = "&".join(others + [f"{percent_encode(n)}={percent_encode(v)}" for n, v in edit(old)])
    return replace(request, body=new_body.encode("ascii"))


def set_oauth(request: Request, name: str, value: str) -> Request:
    """Return ``request`` with protocol parameter ``name`` set to ``value`` (added if absent)."""

    def edit(params: OAuthParams) -> OAuthParams:
        if name not in dict(params):
            return [*params, (name, value)]
        return [(n, value if n == name else v) for n, v in params]

    return rewrite_oauth(request, edit)


def drop_oauth(request: Request, name: str) -> Request:
    """Return ``request`` without protocol parameter ``name``."""
    return rewrite_oauth(request, lambda params: [(n, v) for n, v in params if n != name])


def flip_signature_bit(request: Request, bit: int = 0) -> Request:
    """Flip one bit of the decoded oauth_signature (or one character of a PLAINTEXT one)."""
    signature = oauth_value(request, "oauth_signature")
    if oauth_value(request, "oauth_signature_method") == "PLAINTEXT":
        index = bit % len(signature)
        changed = "x" if signature[index] != "x" else "y"
        return set_oauth(
            request, "oauth_signature", signature[:index] + changed + signature[index + 1 :]
        )
    raw = bytearray(binascii.a2b_base64(signature))
    raw[(bit // 8) % len(raw)] ^= 1 << (bit % 8)
    flipped = binascii.b2a_base64(bytes(raw), newline=False).decode("ascii")
    return set_oauth(request, "oauth_signature", flipped)


# --- request tampering: each returns a changed request, or None when it does not apply -----------

Tamper = Callable[[Request], Request | None]


def _with_url(request: Request, **changes: str) -> Request:
    parts = urlsplit(request.url)
    return replace(request, url=urlunsplit(parts._replace(**changes)))


def _split_netloc(netloc: str) -> tuple[str, str]:
    host, sep, port = netloc.partition(":")
    return host, port if sep else ""


def tamper_method(request: Request) -> Request:
    method = "PATCH" if request.method.upper() != "PATCH" else "PUT"
    return replace(request, method=method)


def tamper_scheme(request: Request) -> Request:
    parts = urlsplit(request.url)
    return _with_url(request, scheme="http" if parts.scheme == "https" else "https")


def tamper_host(request: Request) -> Request:
    host, port = _split_netloc(urlsplit(request.url).netloc)
    return _with_url(request, netloc=f"x{host}:{port}" if port else f"x{host}")


def tamper_port(request: Request) -> Request:
    parts = urlsplit(request.url)
    host, port = _split_netloc(parts.netloc)
    effective = int(port) if port else {"http": 80, "https": 443}[parts.scheme.lower()]
    changed = effective + 1 if effective < 65535 else effective - 1
    return _with_url(request, netloc=f"{host}:{changed}")


def tamper_path(request: Request) -> Request:
    return _with_url(request, path=urlsplit(request.url).path + "x")


def _user_segments(text: str) -> list[int]:
    segments = _split_form(text)
    return [i for i, s in enumerate(segments) if s and not s.startswith("oauth_")]


def _edit_user_segment(text: str, edit: Callable[[list[str], int], None]) -> str | None:
    indexes = _user_segments(text)
    if not indexes:
        return None
    segments = _split_form(text)
    edit(segments, indexes[0])
    return "&".join(segments)


def _append(segments: list[str], index: int) -> None:
    segments[index] += "x"


def _remove(segments: list[str], index: int) -> None:
    del segments[index]


def tamper_add_query(request: Request) -> Request:
    query = urlsplit(request.url).query
    return _with_url(request, query=f"{query}&tamper=1" if query else "tamper=1")


def _tamper_query(edit: Callable[[list[str], int], None]) -> Tamper:
    def tamper(request: Request) -> Request | None:
        query = _edit_user_segment(urlsplit(request.url).query, edit)
        return None if query is None else _with_url(request, query=query)

    return tamper


tamper_query_value = _tamper_query(_append)
tamper_remove_query = _tamper_query(_remove)


def _is_form(request: Request) -> bool:
    return is_form_content_type(request.header("Content-Type"))


def tamper_add_body(request: Request) -> Request | None:
    if not _is_form(request):
        return None
    body = request.body
    return replace(request, body=body + b"&tamper=1" if body else b"tamper=1")


def _tamper_body(edit: Callable[[list[str], int], None]) -> Tamper:
    def tamper(request: Request) -> Request | None:
        if not _is_form(request):
            return None
        body = _edit_user_segment(request.body.decode("ascii"), edit)
        return None if body is None else replace(request, body=body.encode("ascii"))

    return tamper


tamper_body_value = _tamper_body(_append)
tamper_remove_body = _tamper_body(_remove)


def tamper_json_body(request: Request) -> Request | None:
    """Change a body protected by oauth_body_hash."""
    if "oauth_body_hash" not in dict(oauth_params_of(request)):
        return None
    return replace(request, body=request.body + b" ")


def tamper_oauth_value(name: str) -> Tamper:
    """Change the value of protocol parameter ``name`` (the timestamp stays in the window)."""

    def tamper(request: Request) -> Request | None:
        params = dict(oauth_params_of(request))
        if name not in params:
            return None
        value = params[name]
        if name == "oauth_timestamp":
            stamp = int(value)
            changed = str(stamp - 1 if stamp > NOW else stamp + 1)
        else:
            changed = value + "x"
        return set_oauth(request, name, changed)

    return tamper


def tamper_add_oauth(request: Request) -> Request | None:
    if "oauth_version" in dict(oauth_params_of(request)):
        return None
    return set_oauth(request, "oauth_version", "1.0")


def tamper_drop_optional_oauth(request: Request) -> Request | None:
    params = dict(oauth_params_of(request))
    for name in ("oauth_callback", "oauth_verifier", "oauth_version", "oauth_body_hash"):
        if name in params:
            return drop_oauth(request, name)
    return None


REQUEST_TAMPERS: dict[str, Tamper] = {
    "method": tamper_method,
    "scheme": tamper_scheme,
    "host": tamper_host,
    "port": tamper_port,
    "path": tamper_path,
    "add query param": tamper_add_query,
    "query value": tamper_query_value,
    "remove query param": tamper_remove_query,
    "add body param": tamper_add_body,
    "body value": tamper_body_value,
    "remove body param": tamper_remove_body,
    "json body": tamper_json_body,
    "consumer key": tamper_oauth_value("oauth_consumer_key"),
    "token": tamper_oauth_value("oauth_token"),
    "nonce": tamper_oauth_value("oauth_nonce"),
    "timestamp": tamper_oauth_value("oauth_timestamp"),
    "callback": tamper_oauth_value("oauth_callback"),
    "verifier": tamper_oauth_value("oauth_verifier"),
    "add oauth param": tamper_add_oauth,
    "drop optional oauth param": tamper_drop_optional_oauth,
}
"""Changes the signature covers for every method but PLAINTEXT (which signs only secrets)."""
