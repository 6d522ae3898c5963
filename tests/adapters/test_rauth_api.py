"""rauth 0.7's API on oauthcore, against tiny providers on 127.0.0.1 (no mocks of requests).

The signatures are compared with a table written from the rauth 0.7.2 documentation; every
usage snippet of that document runs with its import line changed (and its hosts pointed at
loopback servers); rauth's fixed bugs and kept behaviours are shown over real HTTP; rauth
0.7.3 itself is the oracle for Ofly signatures and the signature objects.
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import json
import pickle
import re
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any, ClassVar
from urllib.parse import parse_qsl

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa as crypto_rsa
from loopback import LoopbackServer, Recorded, Reply, serve
from requests.adapters import HTTPAdapter

import oauthcore.adapters._rauth as rauth_shim
from oauthcore import (
    ConfigurationError,
    InsecureTransportError,
    InvalidGrantError,
    RedirectPolicyError,
    TokenResponseError,
    VerificationError,
)
from oauthcore.adapters.requests import (
    HmacSha1Signature,
    HmacSha256Signature,
    HmacSha512Signature,
    OAuth1Service,
    OAuth1Session,
    OAuth2Service,
    OAuth2Session,
    OflyService,
    OflySession,
    PlaintextSignature,
    RauthUsageError,
    RsaSha1Signature,
    RsaSha256Signature,
    RsaSha512Signature,
    TokenKeyMissing,
    parse_utf8_qsl,
)
from oauthcore.oauth1 import Consumer, NonceCache, SignatureMethod, verify_request
from oauthcore.rsa import load_public_key

rauth = pytest.importorskip("rauth")
rauth_session = pytest.importorskip("rauth.session")
rauth_oauth = pytest.importorskip("rauth.oauth")


# The signatures, as the rauth 0.7.2 documentation writes them.

DOCUMENTED = {
    "OAuth1Service": "(consumer_key, consumer_secret, name=None, request_token_url=None, "
    "access_token_url=None, authorize_url=None, base_url=None, session_obj=None, "
    "signature_obj=None)",
    "OAuth1Service.get_access_token": "(request_token, request_token_secret, method='GET', "
    "decoder=<function parse_utf8_qsl>, key_token='oauth_token', "
    "key_token_secret='oauth_token_secret', **kwargs)",
    "OAuth1Service.get_auth_session": "(request_token, request_token_secret, method='GET', "
    "**kwargs)",
    "OAuth1Service.get_authorize_url": "(request_token, **params)",
    "OAuth1Service.get_raw_access_token": "(request_token, request_token_secret, "
    "method='GET', **kwargs)",
    "OAuth1Service.get_raw_request_token": "(method='GET', **kwargs)",
    "OAuth1Service.get_request_token": "(method='GET', decoder=<function parse_utf8_qsl>, "
    "key_token='oauth_token', key_token_secret='oauth_token_secret', **kwargs)",
    "OAuth1Service.get_session": "(token=None, signature=None)",
    "OAuth2Service": "(client_id, client_secret, name=None, access_token_url=None, "
    "authorize_url=None, base_url=None, session_obj=None)",
    "OAuth2Service.get_access_token": "(method='POST', decoder=<function parse_utf8_qsl>, "
    "key='access_token', **kwargs)",
    "OAuth2Service.get_auth_session": "(method='POST', **kwargs)",
    "OAuth2Service.get_authorize_url": "(**params)",
    "OAuth2Service.get_raw_access_token": "(method='POST', **kwargs)",
    "OAuth2Service.get_session": "(token=None)",
    "OflyService": "(app_id, app_secret, name=None, authorize_url=None, base_url=None, "
    "user_id=None, session_obj=None)",
    "OflyService.get_auth_session": "(user_id, **kwargs)",
    "OflyService.get_authorize_url": "(**params)",
    "OflyService.get_session": "(token)",
    "OAuth1Session": "(consumer_key, consumer_secret, access_token=None, "
    "access_token_secret=None, signature=None, service=None)",
    "OAuth1Session.request": "(method, url, header_auth=False, realm='', **req_kwargs)",
    "OAuth2Session": "(client_id=None, client_secret=None, access_token=None, service=None, "
    "access_token_key=None)",
    "OAuth2Session.request": "(method, url, bearer_auth=True, **req_kwargs)",
    "OflySession": "(app_id, app_secret, user_id=None, service=None)",
    "OflySession.request": "(method, url, user_id=None, hash_meth='sha1', **req_kwargs)",
    "OflySession.sign": "(url, app_id, app_secret, hash_meth='sha1', **params)",
}

# What the documentation lists for every session, inherited from requests.Session.
DOCUMENTED_SESSION_METHODS = {
    "close": "()",
    "delete": "(url, **kwargs)",
    "get": "(url, **kwargs)",
    "get_adapter": "(url)",
    "head": "(url, **kwargs)",
    "merge_environment_settings": "(url, proxies, stream, verify, cert)",
    "mount": "(prefix, adapter)",
    "options": "(url, **kwargs)",
    "patch": "(url, data=None, **kwargs)",
    "post": "(url, data=None, json=None, **kwargs)",
    "prepare_request": "(request)",
    "put": "(url, data=None, **kwargs)",
    "rebuild_auth": "(prepared_request, response)",
    "rebuild_proxies": "(prepared_request, proxies)",
    "resolve_redirects": "(resp, req, stream=False, timeout=None, verify=True, cert=None, "
    "proxies=None, **adapter_kwargs)",
    "send": "(request, **kwargs)",
}

DOCUMENTED_ATTRIBUTES = {
    "OAuth1Service": ("consumer_key", "request_token_response", "request_token_url",
                      "session_obj", "signature_obj"),
    "OAuth2Service": ("access_token_response", "access_token_url", "client_id", "session_obj"),
    "OflyService": ("app_id", "session_obj", "user_id"),
    "OAuth1Session": ("access_token", "consumer_key", "signature"),
    "OAuth2Session": ("access_token", "access_token_key", "client_id"),
    "OflySession": ("app_id", "user_id"),
}  # fmt: skip

# oauthcore's additions: keyword-only, with a default that keeps rauth's behaviour.
ADDED = {"allow_insecure_transport": False}

CLASSES: dict[str, type] = {
    "OAuth1Service": OAuth1Service,
    "OAuth2Service": OAuth2Service,
    "OflyService": OflyService,
    "OAuth1Session": OAuth1Session,
    "OAuth2Session": OAuth2Session,
    "OflySession": OflySession,
}


def _rendered(signature: inspect.Signature) -> str:
    """The signature as the documentation prints it: no annotations, functions by name."""
    parts = []
    for parameter in signature.parameters.values():
        if parameter.kind is parameter.VAR_KEYWORD:
            parts.append(f"**{parameter.name}")
        elif parameter.default is parameter.empty:
            parts.append(parameter.name)
        elif inspect.isfunction(parameter.default):
            parts.append(f"{parameter.name}=<function {parameter.default.__name__}>")
        else:
            parts.append(f"{parameter.name}={parameter.default!r}")
    return "(" + ", ".join(parts) + ")"


def _without_additions(signature: inspect.Signature) -> inspect.Signature:
    kept = []
    for parameter in signature.parameters.values():
        if parameter.name in ADDED:
            assert parameter.kind is parameter.KEYWORD_ONLY
            assert parameter.default == ADDED[parameter.name]
            continue
        kept.append(parameter)
    return signature.replace(parameters=kept)


def _target(name: str) -> Callable[..., object]:
    owner, _, method = name.partition(".")
    cls = CLASSES[owner]
    return getattr(cls, method) if method else cls


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_signature_is_rauths(name: str) -> None:
    target = _target(name)
    signature = inspect.signature(target)
    if name.count(".") and not isinstance(
        inspect.getattr_static(CLASSES[name.split(".")[0]], name.split(".")[1]), staticmethod
    ):
        parameters = list(signature.parameters.values())[1:]  # self
        signature = signature.replace(parameters=parameters)
    assert _rendered(_without_additions(signature)) == DOCUMENTED[name]


def _accepts_every_documented_call(documented: str, ours: inspect.Signature) -> bool:
    """True if every call the documented signature allows is one ``ours`` accepts alike."""
    names = [part.strip() for part in documented.strip("()").split(",") if part.strip()]
    params = list(ours.parameters.values())[1:]  # self
    positional = [p for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
    documented_positional = [n.split("=")[0] for n in names if not n.startswith("**")]
    if [p.name for p in positional[: len(documented_positional)]] != documented_positional:
        return False
    for name in names:
        if name.startswith("**"):
            if not any(p.kind is p.VAR_KEYWORD for p in params):
                return False
        elif "=" in name:
            key, default = name.split("=")
            if repr(ours.parameters[key].default) != default:
                return False
    extra = positional[len(documented_positional) :]
    return all(p.default is not p.empty for p in extra)


@pytest.mark.parametrize("cls", [OAuth1Session, OAuth2Session, OflySession])
@pytest.mark.parametrize("method", sorted(DOCUMENTED_SESSION_METHODS))
def test_session_methods_accept_every_documented_call(cls: type, method: str) -> None:
    # These are requests.Session's own methods: requests has since added optional
    # parameters (get's params=None, resolve_redirects' yield_requests=False).
    assert issubclass(cls, requests.Session)
    signature = inspect.signature(getattr(cls, method))
    assert _accepts_every_documented_call(DOCUMENTED_SESSION_METHODS[method], signature)


def test_documented_attributes_and_defaults() -> None:
    service1, service2 = OAuth1Service("ck", "cs"), OAuth2Service("id", "secret")
    service3 = OflyService("app", "secret")
    session1, session2 = OAuth1Session("ck", "cs"), OAuth2Session()
    session3 = OflySession("app", "secret")
    instances: dict[str, object] = {
        "OAuth1Service": service1,
        "OAuth2Service": service2,
        "OflyService": service3,
        "OAuth1Session": session1,
        "OAuth2Session": session2,
        "OflySession": session3,
    }
    for name, instance in instances.items():
        for attribute in DOCUMENTED_ATTRIBUTES[name]:
            assert hasattr(instance, attribute), (name, attribute)
    assert service1.session_obj is OAuth1Session
    assert service2.session_obj is OAuth2Session
    assert service3.session_obj is OflySession
    assert service1.signature_obj is None
    assert isinstance(session1.signature, HmacSha1Signature)
    assert session2.access_token_key == "access_token"
    for session in (session1, session2, session3):
        assert session.timeout == 300.0  # rauth's documented default
    names = {HmacSha1Signature: "HMAC-SHA1", HmacSha256Signature: "HMAC-SHA256",
             HmacSha512Signature: "HMAC-SHA512", RsaSha1Signature: "RSA-SHA1",
             RsaSha256Signature: "RSA-SHA256", RsaSha512Signature: "RSA-SHA512",
             PlaintextSignature: "PLAINTEXT"}  # fmt: skip
    for cls, name in names.items():
        assert name == cls.NAME


# Tiny providers on loopback.


@pytest.fixture(scope="module")
def rsa_pem() -> str:
    key = crypto_rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


TWITTER_KEY, TWITTER_SECRET = "J8MoJG4bQ9gcmGh8H7XhMg", "7WAscbSy65GmiVOvMU5EBYn5z80fhQkcFWSLMJJu4"


class OAuth1Provider:
    """Request token, authorize, access token and resources, verified by the core."""

    def __init__(self, rsa_pem: str) -> None:
        every = frozenset(m for m in SignatureMethod if not m.is_rsa)
        self.consumers = {
            "123": Consumer(key="123", secret="456", allowed_methods=every),
            TWITTER_KEY: Consumer(key=TWITTER_KEY, secret=TWITTER_SECRET),
            "rsa": Consumer(
                key="rsa",
                rsa_public_key=load_public_key(rsa_pem),
                allowed_methods=frozenset(m for m in SignatureMethod if m.is_rsa),
            ),
        }
        # token -> (secret, kind, verifier)
        self.tokens: dict[str, tuple[str, str, str | None]] = {"321": ("654", "access", None)}
        self.nonces = NonceCache()
        self.lock = threading.Lock()
        self.count = 0

    def _issue(self, kind: str) -> tuple[str, str]:
        with self.lock:
            self.count += 1
            token, secret = f"{kind}-{self.count}", f"{kind}-secret-{self.count}"
            self.tokens[token] = (secret, kind, None)
        return token, secret

    def __call__(self, recorded: Recorded) -> Reply:
        path = recorded.path
        if path.endswith("/authorize"):  # the user says yes; the verifier is shown to them
            token = recorded.query["oauth_token"]
            secret, kind, _ = self.tokens[token]
            self.tokens[token] = (secret, kind, f"verifier-{token}")
            return Reply(body=f"verifier-{token}".encode())
        try:
            verified = verify_request(
                recorded.core(),
                get_consumer=self.consumers.get,
                get_token_secret=lambda _, token: self.tokens.get(token, (None,))[0],
                check_nonce=self.nonces,
                token_required=not path.endswith("/request_token"),
            )
        except VerificationError as exc:
            return Reply.form({"oauth_problem": exc.problem}, status=exc.status)
        if path.endswith("/request_token"):
            token, secret = self._issue("request")
            return Reply.form(
                {"oauth_token": token, "oauth_token_secret": secret,
                 "oauth_callback_confirmed": "true"}
            )  # fmt: skip
        if path.endswith("/access_token"):
            _, kind, verifier = self.tokens[verified.token or ""]
            if kind != "request" or (verified.verifier or verifier) != verifier:
                return Reply.form({"oauth_problem": "token_rejected"}, status=401)
            token, secret = self._issue("access")
            return Reply.form({"oauth_token": token, "oauth_token_secret": secret})
        if self.tokens.get(verified.token or "", ("", ""))[1] != "access":
            return Reply.form({"oauth_problem": "token_rejected"}, status=401)
        return Reply.json(
            {
                "ok": True,
                "method": recorded.method,
                "path": path,
                "query": recorded.query,
                "body": recorded.body.decode("latin-1"),
                "content_type": recorded.header("Content-Type"),
                "body_signed": verified.body_signed,
                "signature_method": verified.signature_method.value,
            }
        )


class OAuth2Provider:
    """A token endpoint taking rauth's client_id/client_secret in the form, and resources."""

    def __init__(self) -> None:
        self.clients = {"123": "456", "440483442642551": "cd54f1ace848fa2a7ac89a31ed9c1b61"}
        self.codes = {"foo", "foobar"}
        self.tokens = {"321"}
        self.form_answers = False

    def __call__(self, recorded: Recorded) -> Reply:
        if recorded.path.endswith(("/token", "/access_token")):
            fields = recorded.form if recorded.method == "POST" else recorded.query
            if self.clients.get(fields.get("client_id", "")) != fields.get("client_secret"):
                return Reply.json({"error": "invalid_client"}, status=401)
            if fields.get("code") not in self.codes:
                return Reply.json({"error": "invalid_grant", "error_description": "bad code"}, 400)
            issued = f"AT-{fields['code']}"
            self.tokens.add(issued)
            if self.form_answers:
                return Reply.form({"access_token": issued, "expires": "5183999"})
            return Reply.json({"access_token": issued, "token_type": "Bearer"})
        header = recorded.header("Authorization") or ""
        query = recorded.query
        token = (
            header.removeprefix("Bearer ") or query.get("access_token") or query.get("oauth_token")
        )
        if token not in self.tokens:
            return Reply(status=401, headers=[("WWW-Authenticate", 'Bearer error="invalid_token"')])
        return Reply.json({"username": "jdoe", "path": recorded.path, "query": recorded.query})


class OflyProvider:
    """Checks oflyApiSig as Shutterfly documents it (written here independently)."""

    secrets: ClassVar[dict[str, str]] = {"123": "456", "app": "OFLY-secret"}

    def __call__(self, recorded: Recorded) -> Reply:
        query = recorded.query
        secret = self.secrets[query["oflyAppId"]]
        names = ("oflyAppId", "oflyHashMeth", "oflyTimestamp")
        rest = {k: v for k, v in query.items() if k not in (*names, "oflyApiSig")}
        base = f"{secret}{recorded.path}?"
        if rest:
            base += "&".join(f"{k}={rest[k]}" for k in sorted(rest)) + "&"
        base += "&".join(f"{k}={query[k]}" for k in names)
        digest = hashlib.new(query["oflyHashMeth"].lower(), base.encode(), usedforsecurity=False)
        if digest.hexdigest() != query["oflyApiSig"]:
            return Reply(status=401)
        return Reply.json({"ok": True, "user": query["oflyUserid"], "query": query})


@pytest.fixture
def oauth1(rsa_pem: str) -> Iterator[LoopbackServer]:
    yield from serve(OAuth1Provider(rsa_pem))


@pytest.fixture
def oauth2() -> Iterator[LoopbackServer]:
    yield from serve(OAuth2Provider())


@pytest.fixture
def ofly() -> Iterator[LoopbackServer]:
    yield from serve(OflyProvider())


# The documentation's usage snippets, verbatim (Python 2, as published).

FACEBOOK = """\
from rauth import OAuth2Service

facebook = OAuth2Service(
    client_id='440483442642551',
    client_secret='cd54f1ace848fa2a7ac89a31ed9c1b61',
    name='facebook',
    authorize_url='https://graph.facebook.com/oauth/authorize',
    access_token_url='https://graph.facebook.com/oauth/access_token',
    base_url='https://graph.facebook.com/')

redirect_uri = 'https://www.facebook.com/connect/login_success.html'
params = {'scope': 'read_stream',
          'response_type': 'code',
          'redirect_uri': redirect_uri}

url = facebook.get_authorize_url(**params)

# the code should be returned upon the redirect from the authorize step,
# be sure to use it here (hint: it's in the URL!)
session = facebook.get_auth_session(data={'code': 'foo',
                                          'redirect_uri': redirect_uri})

print session.get('me').json()['username']
"""

# The constructor is split by a page break in the document; the calls are its prose's
# ("request_token = twitter.get_request_token()" returns the pair, as the API section shows).
TWITTER = """\
from rauth import OAuth1Service

twitter = OAuth1Service(
    consumer_key='J8MoJG4bQ9gcmGh8H7XhMg',
    consumer_secret='7WAscbSy65GmiVOvMU5EBYn5z80fhQkcFWSLMJJu4',
    name='twitter',
    access_token_url='https://api.twitter.com/oauth/access_token',
    authorize_url='https://api.twitter.com/oauth/authorize',
    request_token_url='https://api.twitter.com/oauth/request_token',
    base_url='https://api.twitter.com/1/')
request_token, request_token_secret = twitter.get_request_token()
twitter.get_authorize_url(request_token)
twitter.get_auth_session(request_token, request_token_secret)
"""

OAUTH1_SERVICE = """\
from rauth import OAuth1Service

service = OAuth1Service(
    name='example',
    consumer_key='123',
    consumer_secret='456',
    request_token_url='http://example.com/request_token',
    access_token_url='http://example.com/access_token',
    authorize_url='http://example.com/authorize',
    base_url='http://example.com/api')

request_token, request_token_secret = service.get_request_token()

authorize_url = service.get_authorize_url(request_token)

session = service.get_auth_session(request_token, request_token_secret)

r = session.get('some/resource/', params={'format': 'json'})
print r.json()
"""

OAUTH2_SERVICE = """\
from rauth import OAuth2Service

service = OAuth2Service(
    name='example',
    client_id='123',
    client_secret='456',
    access_token_url='https://example.com/token',
    authorize_url='https://example.com/authorize',
    base_url='https://example.com/api/')

# the return URL is used to validate the request
params = {'redirect_uri': 'http://example.com/',
          'response_type': 'code'}
url = service.get_authorize_url(**params)

# once the above URL is consumed by a client we can ask for an access
# token. note that the code is retrieved from the redirect URL above,
# as set by the provider
data = {'code': 'foobar',
        'grant_type': 'authorization_code',
        'redirect_uri': 'http://example.com/'}

session = service.get_auth_session(data=data)

r = session.get('foo', params={'format': 'json'})
print r.json()
"""

# The document's snippet requests the relative 'bar' from a service without base_url; the
# harness sets base_url (to the loopback server) between the two blocks.
OFLY_SERVICE = (
    """\
from rauth import OflyService

service = OflyService(name='example',
                      app_id='123',
                      app_secret='456',
                      authorize_url='http://example.com/authorize')
""",
    """\
session = service.get_auth_session('foo')

# now we can make regular Requests' calls
r = session.get('bar')
""",
)

OAUTH1_SESSION = """\
from rauth import OAuth1Session

session = OAuth1Session('123',
                        '456',
                        access_token='321',
                        access_token_secret='654')

r = session.get('http://example.com/api/resource',
               params={'format': 'json'})
print r.json()
"""

OAUTH2_SESSION = """\
from rauth import OAuth2Session

session = OAuth2Session('123', '456', access_token='321')

r = session.get('https://example.com/api/resource',
               params={'format': 'json'})
print r.json()
"""

OFLY_SESSION = """\
from rauth import OflySession

session = OflySession('123', '456')

r = session.get('https://example.com/api/resource',
               params={'format': 'json'})
print r.json()
"""

HOSTS = (
    "https://graph.facebook.com",
    "https://www.facebook.com",
    "https://api.twitter.com",
    "https://example.com",
    "http://example.com",
)


def ported(snippet: str, base: str) -> str:
    """The snippet with its import line changed, its hosts on loopback, Python 3 prints."""
    code = snippet.replace("from rauth import", "from oauthcore.adapters.requests import")
    for host in HOSTS:
        code = code.replace(host, base)
    return re.sub(r"^(\s*)print (.+)$", r"\1print(\2)", code, flags=re.MULTILINE)


def run(code: str, namespace: dict[str, Any] | None = None) -> dict[str, Any]:
    namespace = {} if namespace is None else namespace
    exec(compile(code, "rauth-docs", "exec"), namespace)  # noqa: S102 (the snippets above)
    return namespace


def test_only_the_import_line_and_hosts_change() -> None:
    code = ported(OAUTH1_SESSION, "http://127.0.0.1:1")
    changed = [
        (a, b)
        for a, b in zip(OAUTH1_SESSION.splitlines(), code.splitlines(), strict=True)
        if a != b
    ]
    assert changed == [
        ("from rauth import OAuth1Session",
         "from oauthcore.adapters.requests import OAuth1Session"),
        ("r = session.get('http://example.com/api/resource',",
         "r = session.get('http://127.0.0.1:1/api/resource',"),
        ("print r.json()", "print(r.json())"),
    ]  # fmt: skip


def test_snippet_facebook(oauth2: LoopbackServer, capsys: pytest.CaptureFixture[str]) -> None:
    run(ported(FACEBOOK, oauth2.base))
    assert capsys.readouterr().out == "jdoe\n"
    token_request = next(r for r in oauth2.requests if r.path == "/oauth/access_token")
    assert token_request.form["client_id"] == "440483442642551"


def test_snippet_twitter(oauth1: LoopbackServer) -> None:
    namespace = run(ported(TWITTER, oauth1.base))
    assert namespace["request_token"].startswith("request-")
    paths = [r.path for r in oauth1.requests]
    assert paths == ["/oauth/request_token", "/oauth/access_token"]


def test_snippet_oauth1_service(oauth1: LoopbackServer, capsys: pytest.CaptureFixture[str]) -> None:
    namespace = run(ported(OAUTH1_SERVICE, oauth1.base))
    printed = ast.literal_eval(capsys.readouterr().out)
    assert printed["ok"] is True
    assert printed["path"] == "/some/resource/"
    assert printed["query"]["format"] == "json"
    assert namespace["authorize_url"].startswith(oauth1.url("/authorize?oauth_token=request-"))
    assert namespace["session"].access_token_response.status_code == 200


def test_snippet_oauth2_service(oauth2: LoopbackServer, capsys: pytest.CaptureFixture[str]) -> None:
    namespace = run(ported(OAUTH2_SERVICE, oauth2.base))
    assert "'path': '/api/foo'" in capsys.readouterr().out
    assert namespace["url"] == (
        oauth2.url("/authorize?redirect_uri=")
        + "http%3A%2F%2F127.0.0.1%3A"
        + f"{oauth2.port}%2F&response_type=code&client_id=123"
    )
    assert namespace["session"].access_token == "AT-foobar"


def test_snippet_ofly_service(ofly: LoopbackServer) -> None:
    first, second = OFLY_SERVICE
    namespace = run(ported(first, ofly.base))
    namespace["service"].base_url = ofly.base  # see OFLY_SERVICE
    run(ported(second, ofly.base), namespace)
    assert namespace["r"].json()["user"] == "foo"
    signed = namespace["service"].get_authorize_url()
    assert signed.startswith(ofly.url("/authorize?oflyApiSig="))


def test_snippet_oauth1_session(oauth1: LoopbackServer, capsys: pytest.CaptureFixture[str]) -> None:
    run(ported(OAUTH1_SESSION, oauth1.base))
    assert "'ok': True" in capsys.readouterr().out


def test_snippet_oauth2_session(oauth2: LoopbackServer, capsys: pytest.CaptureFixture[str]) -> None:
    run(ported(OAUTH2_SESSION, oauth2.base))
    assert "'username': 'jdoe'" in capsys.readouterr().out
    assert oauth2.requests[-1].header("Authorization") == "Bearer 321"


@pytest.mark.checklist("L4", "N1")
def test_snippet_ofly_session_needs_a_user_id(ofly: LoopbackServer) -> None:
    # As published, the snippet has no oflyUserid: rauth failed an assert (gone under -O);
    # oauthcore raises a ConfigurationError before anything is sent.
    with pytest.raises(ConfigurationError, match="user_id"):
        run(ported(OFLY_SESSION, ofly.base))
    assert ofly.requests == []
    session = OflySession("123", "456", user_id="u1")
    response = session.get(ofly.url("/api/resource"), params={"format": "json"})
    assert response.json()["user"] == "u1"


# The whole OAuth 1.0a dance with a verifier, every signature object.


@pytest.mark.parametrize(
    "signature",
    [HmacSha1Signature, HmacSha256Signature, HmacSha512Signature, PlaintextSignature,
     RsaSha1Signature, RsaSha256Signature, RsaSha512Signature],
)  # fmt: skip
def test_oauth1_dance_with_verifier(
    oauth1: LoopbackServer, rsa_pem: str, signature: type[rauth_shim._SignatureObject]
) -> None:
    rsa = signature.method.is_rsa
    service = OAuth1Service(
        "rsa" if rsa else "123",
        rsa_pem if rsa else "456",
        request_token_url=oauth1.url("/request_token"),
        access_token_url=oauth1.url("/access_token"),
        authorize_url=oauth1.url("/authorize"),
        base_url=oauth1.url("/api/"),
        signature_obj=signature,
    )
    token, secret = service.get_request_token(method="POST", params={"oauth_callback": "oob"})
    verifier = requests.get(service.get_authorize_url(token), timeout=5).text  # the user
    session = service.get_auth_session(
        token, secret, method="POST", data={"oauth_verifier": verifier}
    )
    response = session.get("photos", params={"size": "original"}, header_auth=True, realm="p")
    assert response.json()["signature_method"] == signature.NAME
    assert (oauth1.requests[-1].header("Authorization") or "").startswith('OAuth realm="p", ')
    assert session.request_token_response is not None
    assert isinstance(session.signature, signature)


# rauth's bugs, fixed; rauth's changelog behaviours, kept.


@pytest.fixture
def session1(oauth1: LoopbackServer) -> OAuth1Session:
    return OAuth1Session("123", "456", access_token="321", access_token_secret="654")


def test_query_in_the_url_is_signed(oauth1: LoopbackServer, session1: OAuth1Session) -> None:
    url = oauth1.url("/r?a=1&b=two%20words")
    query = session1.get(url, params={"c": "3"}).json()["query"]
    assert (query["a"], query["b"], query["c"]) == ("1", "two words", "3")
    # rauth 0.7.3 signs without the URL's query: the provider refuses it.
    theirs = rauth.OAuth1Session("123", "456", access_token="321", access_token_secret="654")
    assert theirs.get(url, params={"c": "3"}).status_code == 401


def test_get_and_post_without_params_or_data(
    oauth1: LoopbackServer, session1: OAuth1Session
) -> None:
    assert session1.get(oauth1.url("/r")).json()["method"] == "GET"
    posted = session1.post(oauth1.url("/r")).json()
    assert (posted["method"], posted["content_type"]) == (
        "POST",
        "application/x-www-form-urlencoded",
    )
    theirs = rauth.OAuth1Session("123", "456", "321", "654")
    with pytest.raises(TypeError):  # rauth 0.7.3 on this requests: get(url) fails
        theirs.get(oauth1.url("/r"))
    with pytest.raises(AttributeError):  # and so does post(url)
        theirs.post(oauth1.url("/r"))


def test_json_body_is_never_dropped(oauth1: LoopbackServer, session1: OAuth1Session) -> None:
    answer = session1.post(oauth1.url("/r"), json={"a": [1, 2]}).json()
    assert json.loads(answer["body"]) == {"a": [1, 2]}
    assert answer["content_type"] == "application/json"
    assert answer["body_signed"] is True  # oauth_body_hash
    assert "oauth_signature" in answer["query"]  # not a form: the parameters go in the query


@pytest.mark.parametrize("method", ["post", "put", "patch"])
def test_form_bodies_are_signed(
    oauth1: LoopbackServer, session1: OAuth1Session, method: str
) -> None:
    answer = getattr(session1, method)(oauth1.url("/r"), data={"f": "a b", "n": None}).json()
    assert answer["method"] == method.upper()
    form = dict(parse_qsl(answer["body"]))
    assert "oauth_signature" in form
    assert form["f"] == "a b"
    assert "n" not in form


def test_callers_content_type_is_respected(oauth1: LoopbackServer, session1: OAuth1Session) -> None:
    answer = session1.post(
        oauth1.url("/r"), data='{"x": 1}', headers={"Content-Type": "application/json"}
    ).json()
    assert answer["content_type"] == "application/json"
    assert answer["body"] == '{"x": 1}'


def test_tilde_and_none_params(oauth1: LoopbackServer, session1: OAuth1Session) -> None:
    session1.get(oauth1.url("/r"), params={"t": "a~b", "none": None})
    sent = oauth1.requests[-1]
    assert "t=a~b" in sent.target
    assert "none" not in sent.query


def test_no_double_signing(oauth1: LoopbackServer, session1: OAuth1Session) -> None:
    signed = session1.get(oauth1.url("/r"), header_auth=True).request.headers["Authorization"]
    session1.get(oauth1.url("/r"), header_auth=True, headers={"Authorization": signed})
    assert oauth1.requests[-1].header("Authorization") == signed  # kept, not signed again


def test_rsa_sha1_without_pycrypto(oauth1: LoopbackServer, rsa_pem: str) -> None:
    session = OAuth1Session("rsa", rsa_pem, "321", "654", signature=RsaSha1Signature)
    assert session.get(oauth1.url("/r")).json()["signature_method"] == "RSA-SHA1"
    with pytest.raises(NotImplementedError):  # rauth needs PyCrypto
        rauth_oauth.RsaSha1Signature()


def test_default_decoder_reads_json_and_form() -> None:
    assert parse_utf8_qsl(b'{"access_token": "at", "n": 1}') == {"access_token": "at", "n": 1}
    assert parse_utf8_qsl(b"access_token=a%20t&x=") == {"access_token": "a t", "x": ""}
    assert parse_utf8_qsl("oauth_token=t") == {"oauth_token": "t"}
    for bad in (b'{"a": 1, "a": 2}', b"a=1&a=2", b"\xff=1", b"{nope", b"x" * (2 << 20)):
        with pytest.raises(TokenResponseError) as caught:
            parse_utf8_qsl(bad)
        assert "nope" not in str(caught.value)


def test_token_responses_in_json_and_form(oauth2: LoopbackServer) -> None:
    service = OAuth2Service("123", "456", access_token_url=oauth2.url("/token"))
    assert service.get_access_token(data={"code": "foo"}) == "AT-foo"
    handler = oauth2.fallback
    assert isinstance(handler, OAuth2Provider)
    handler.form_answers = True
    assert service.get_access_token(data={"code": "foo"}) == "AT-foo"
    assert (
        service.get_access_token(decoder=rauth.utils.parse_utf8_qsl, data={"code": "foo"})
        == "AT-foo"
    )


@pytest.mark.checklist("I1")
def test_services_and_sessions_pickle(
    oauth1: LoopbackServer, oauth2: LoopbackServer, rsa_pem: str
) -> None:
    service = OAuth1Service(
        "123", "456",
        request_token_url=oauth1.url("/request_token"),
        access_token_url=oauth1.url("/access_token"),
        signature_obj=HmacSha256Signature,
    )  # fmt: skip
    token, secret = service.get_request_token()
    session = service.get_auth_session(token, secret)
    service_copy = pickle.loads(pickle.dumps(service))  # noqa: S301 (our own bytes)
    assert service_copy.signature_obj is HmacSha256Signature
    assert service_copy.request_token_response.status_code == 200
    session_copy = pickle.loads(pickle.dumps(session))  # noqa: S301 (our own bytes)
    assert isinstance(session_copy.signature, HmacSha256Signature)
    assert session_copy.access_token == session.access_token
    assert session_copy.service.consumer_key == "123"
    assert session_copy.get(oauth1.url("/r")).json()["signature_method"] == "HMAC-SHA256"
    rsa = pickle.loads(pickle.dumps(OAuth1Session("rsa", rsa_pem, "321", "654", RsaSha1Signature)))  # noqa: S301
    assert rsa.get(oauth1.url("/r")).json()["signature_method"] == "RSA-SHA1"
    bearer = OAuth2Session("123", "456", access_token="321", access_token_key="oauth_token")
    bearer_copy = pickle.loads(pickle.dumps(bearer))  # noqa: S301 (our own bytes)
    assert bearer_copy.access_token_key == "oauth_token"
    assert bearer_copy.get(oauth2.url("/r"), bearer_auth=False).json()["query"] == {
        "oauth_token": "321"
    }
    ofly = pickle.loads(pickle.dumps(OflyService("app", "OFLY-secret", user_id="u")))  # noqa: S301
    assert (ofly.app_id, ofly.user_id, ofly.session_obj) == ("app", "u", OflySession)
    ofly_session = pickle.loads(pickle.dumps(ofly.get_session("u1")))  # noqa: S301
    assert (ofly_session.app_id, ofly_session.user_id) == ("app", "u1")
    assert ofly_session.service.app_secret == "OFLY-secret"


# Errors: oauthcore's types that rauth-era except clauses still catch.


def test_provider_error_is_typed_and_still_a_key_error(oauth2: LoopbackServer) -> None:
    service = OAuth2Service("123", "456", access_token_url=oauth2.url("/token"))
    try:
        service.get_access_token(data={"code": "stolen"})
    except KeyError as caught:  # what rauth raised, so what rauth users catch
        error = caught
    assert isinstance(error, TokenKeyMissing)
    assert isinstance(error, TokenResponseError)
    assert isinstance(error.provider_error, InvalidGrantError)
    assert error.__cause__ is error.provider_error
    assert error.status == 400
    assert "bad code" not in str(error)  # the body is never quoted (rauth's message did)


def test_unreadable_token_body_is_still_a_key_error(oauth2: LoopbackServer) -> None:
    oauth2.route("/token", Reply(status=502, body="<html>Bad gateway – é</html>".encode()))
    service = OAuth2Service("123", "456", access_token_url=oauth2.url("/token"))
    with pytest.raises(KeyError) as caught:
        service.get_access_token(data={"code": "foo"})
    assert isinstance(caught.value, TokenKeyMissing)
    assert "Bad gateway" not in str(caught.value)
    assert caught.value.status == 502


def test_oauth1_provider_refusal_is_still_a_key_error(oauth1: LoopbackServer) -> None:
    service = OAuth1Service("123", "wrong", request_token_url=oauth1.url("/request_token"))
    with pytest.raises(KeyError) as caught:
        service.get_request_token()
    error = caught.value
    assert isinstance(error, TokenKeyMissing)
    assert "signature_invalid" in str(error.provider_error)


def test_usage_errors_are_still_type_errors() -> None:
    with pytest.raises(TypeError):
        OAuth1Service("ck", "cs").get_raw_request_token()
    with pytest.raises(RauthUsageError):
        OAuth2Service("id", "secret").get_raw_access_token()
    with pytest.raises(TypeError):
        OflySession.sign("https://ws.example/x", "app", "secret", hash_meth="sha256")


@pytest.mark.checklist("D4", "D5")
def test_token_endpoints_are_never_redirected(oauth2: LoopbackServer) -> None:
    with LoopbackServer() as target:
        target.fallback = lambda _: Reply.json({"access_token": "stolen"})
        oauth2.route("/token", Reply.redirect(target.url("/token"), 307))
        service = OAuth2Service("123", "456", access_token_url=oauth2.url("/token"))
        with pytest.raises(RedirectPolicyError):
            service.get_access_token(data={"code": "foo"})
        assert target.requests == []


# Transport policy and its opt-in.


@pytest.mark.checklist("C1", "C6", "L5")
def test_plain_http_needs_the_opt_in(
    oauth1: LoopbackServer, oauth2: LoopbackServer, ofly: LoopbackServer
) -> None:
    # 127.1 reaches the loopback server but is not a canonical loopback literal (C4): to the
    # transport policy it is any other plain-http host.
    def elsewhere(server: LoopbackServer) -> str:
        return f"http://127.1:{server.port}/r"

    sessions: list[tuple[requests.Session, str]] = [
        (OAuth1Session("123", "456", "321", "654"), elsewhere(oauth1)),
        (OAuth2Session("123", "456", "321"), elsewhere(oauth2)),
        (OflySession("123", "456", "u"), elsewhere(ofly)),
    ]
    for session, url in sessions:
        with pytest.raises(InsecureTransportError):
            session.get(url)
    assert oauth1.requests == oauth2.requests == ofly.requests == []
    for session, url in sessions:
        session.allow_insecure_transport = True  # type: ignore[attr-defined]
        assert session.get(url).status_code == 200
    service = OAuth2Service("123", "456", authorize_url="http://127.1/authorize")
    with pytest.raises(InsecureTransportError):
        service.get_authorize_url(redirect_uri="https://app.example/cb")
    service = OAuth2Service(
        "123", "456", authorize_url="http://127.1/authorize", allow_insecure_transport=True
    )
    assert service.get_authorize_url(redirect_uri="http://app.example/cb").startswith(
        "http://127.1/"
    )
    assert service.get_session().allow_insecure_transport is True


def test_bearer_in_query_and_custom_key(oauth2: LoopbackServer) -> None:
    session = OAuth2Session("123", "456", access_token="321")
    session.get(oauth2.url("/r"), bearer_auth=False)
    sent = oauth2.requests[-1]
    assert sent.query == {"access_token": "321"}
    assert sent.header("Authorization") is None
    assert sent.header("Cache-Control") == "no-store"  # RFC 6750 §2.3
    session.access_token_key = "oauth_token"
    assert session.get(oauth2.url("/r"), bearer_auth=False).ok
    assert oauth2.requests[-1].query == {"oauth_token": "321"}
    assert OAuth2Session().get(oauth2.url("/r")).status_code == 401  # no token: as rauth


def test_every_requests_session_method_works(oauth2: LoopbackServer) -> None:
    session = OAuth2Session("123", "456", access_token="321")
    for method in ("get", "post", "put", "patch", "delete", "options", "head"):
        assert getattr(session, method)(oauth2.url("/r")).status_code == 200, method
    adapter = HTTPAdapter()
    session.mount("http://127.0.0.1", adapter)
    assert session.get_adapter(oauth2.url("/r")) is adapter
    prepared = session.prepare_request(requests.Request("GET", oauth2.url("/r")))
    assert session.send(prepared).status_code == 401  # prepared outside request(): no token
    session.close()


class TimeoutRecorder(HTTPAdapter):
    """A real transport adapter that notes the timeout each request is sent with."""

    def __init__(self) -> None:
        super().__init__()
        self.timeouts: list[object] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.timeouts.append(kwargs.get("timeout"))
        return super().send(request, **kwargs)


def test_default_timeout_is_rauths_300_seconds(oauth2: LoopbackServer) -> None:
    session = OAuth2Session("123", "456", access_token="321")
    recorder = TimeoutRecorder()
    session.mount("http://", recorder)
    session.get(oauth2.url("/r"))
    session.get(oauth2.url("/r"), timeout=5)
    assert recorder.timeouts == [300.0, 5]


# Ofly: rauth 0.7.3 is the oracle.

MOMENT = datetime(2026, 11, 30, 10, 45, 42, 123456)  # 123 ms: rauth pads these alike


def _freeze(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    class FrozenClock(datetime):
        @classmethod
        def utcnow(cls) -> FrozenClock:
            return cls.fromtimestamp(moment.timestamp())

    monkeypatch.setattr(rauth_session, "datetime", FrozenClock)
    monkeypatch.setattr(rauth_shim, "utc_now", lambda: moment.replace(tzinfo=timezone.utc))


@pytest.mark.checklist("L1", "L2", "L3")
@pytest.mark.parametrize("hash_meth", ["sha1", "md5"])
def test_ofly_sign_equals_rauths(monkeypatch: pytest.MonkeyPatch, hash_meth: str) -> None:
    _freeze(monkeypatch, MOMENT)
    args = ("https://ws.example.com/userid/album", "123", "OFLY-secret", hash_meth)
    params = {"oflyUserid": "u42", "album": "Summer", "b": "2"}
    ours = OflySession.sign(*args, **params)
    assert ours == rauth_session.OflySession.sign(*args, **params)
    assert "oflyTimestamp=2026-11-30T10:45:42.123Z" in ours
    # Where rauth was wrong: short milliseconds (L1), parameters in the URL (L2).
    _freeze(monkeypatch, MOMENT.replace(microsecond=5000))
    assert "oflyTimestamp=2026-11-30T10:45:42.005Z" in OflySession.sign(*args)
    assert ".5Z" in rauth_session.OflySession.sign(*args)
    with_query = OflySession.sign("https://ws.example.com/album?x=1", "123", "OFLY-secret")
    assert "&x=1" in with_query


def test_signature_objects_sign_like_rauth() -> None:
    oauth_params = {"oauth_consumer_key": "ck", "oauth_nonce": "n", "oauth_timestamp": 1,
                    "oauth_signature_method": "HMAC-SHA1", "oauth_version": "1.0"}  # fmt: skip
    req_kwargs = {"params": {"a": "1", "t": "~x y"}}
    for ours, theirs in ((HmacSha1Signature(), rauth_oauth.HmacSha1Signature()),
                         (PlaintextSignature(), rauth_oauth.PlaintextSignature())):  # fmt: skip
        expected = theirs.sign("cs", "ts", "GET", "https://api.example/r", oauth_params, req_kwargs)
        got = ours.sign("cs", "ts", "GET", "https://api.example/r", oauth_params, req_kwargs)
        assert got == expected
