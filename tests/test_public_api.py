"""The public names DESIGN.md promises, and the exported members of each package."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable

import oauthcore
import oauthcore.oauth1
from oauthcore import errors, flows, http


def test_version() -> None:
    assert isinstance(oauthcore.__version__, str)
    assert oauthcore.__version__.count(".") == 2


def test_design_signatures() -> None:
    o1 = oauthcore.oauth1
    params: dict[Callable[..., object], list[str]] = {
        o1.percent_encode: ["value"],
        o1.normalize_parameters: ["params"],
        o1.base_string_uri: ["uri"],
        o1.signature_base_string: ["method", "uri", "params"],
        o1.sign_base_string: ["base_string", "method", "client_secret", "token_secret", "rsa_key"],
    }
    for function, names in params.items():
        assert list(inspect.signature(function).parameters) == names, function.__name__
    sign = inspect.signature(o1.sign_base_string).parameters
    assert sign["client_secret"].default == ""
    assert sign["token_secret"].default == ""
    assert sign["rsa_key"].default is None
    for keyword in ("client_secret", "token_secret", "rsa_key"):
        assert sign[keyword].kind is inspect.Parameter.KEYWORD_ONLY
    assert {m.value for m in o1.SignatureMethod} == {
        "HMAC-SHA1",
        "HMAC-SHA256",
        "HMAC-SHA512",
        "RSA-SHA1",
        "RSA-SHA256",
        "RSA-SHA512",
        "PLAINTEXT",
    }
    assert issubclass(o1.SignatureMethod, str)


def test_exported_members() -> None:
    # The root exports the version and every error class, nothing else.
    error_classes = {
        name
        for name in errors.__all__
        if isinstance(getattr(errors, name), type)
        and issubclass(getattr(errors, name), oauthcore.OAuthError)
    }
    assert set(oauthcore.__all__) == error_classes | {"__version__"}
    assert "InvalidGrantError" in error_classes
    assert sorted(flows.__all__) == ["Flow", "async_drive", "drive"]
    assert sorted(http.__all__) == [
        "FORM_URLENCODED",
        "Headers",
        "Request",
        "Response",
        "build_headers",
        "has_control",
        "is_form_content_type",
        "is_token",
    ]
    # One media-type check for both protocols, re-exported where OAuth 1.0a users look.
    assert oauthcore.oauth1.is_form_content_type is http.is_form_content_type
    for name in oauthcore.oauth1.__all__:
        assert getattr(oauthcore.oauth1, name) is not None
    assert len(oauthcore.oauth1.__all__) == len(set(oauthcore.oauth1.__all__))


def test_error_tree() -> None:
    for name in errors.__all__:
        value = getattr(errors, name)
        if isinstance(value, type):
            assert issubclass(value, oauthcore.OAuthError)
    assert issubclass(oauthcore.ConfigurationError, ValueError)
    assert issubclass(oauthcore.ProtocolError, ValueError)
    assert issubclass(oauthcore.KeyFormatError, oauthcore.ConfigurationError)
    assert issubclass(oauthcore.SignatureError, oauthcore.VerificationError)
    assert issubclass(oauthcore.MissingDependencyError, ImportError)


def test_oauth2_design_names() -> None:
    import oauthcore.oauth2 as oauth2

    signature = inspect.signature(oauth2.pkce_challenge)
    assert list(signature.parameters) == ["verifier", "method"]
    assert signature.parameters["method"].default == "S256"
    # RFC 7636 Appendix B.
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert oauth2.pkce_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    assert len(oauth2.__all__) == len(set(oauth2.__all__))


def test_every_public_name_is_documented() -> None:
    import importlib

    import oauthcore.oauth2

    modules = [
        oauthcore,
        oauthcore.oauth1,
        oauthcore.oauth2,
        flows,
        http,
        errors,
        importlib.import_module("oauthcore.rsa"),
        importlib.import_module("oauthcore.redirects"),
        importlib.import_module("oauthcore.limits"),
        importlib.import_module("oauthcore.ofly"),
    ]
    undocumented = []
    for module in modules:
        assert module.__doc__, module.__name__
        for name in module.__all__:
            value = getattr(module, name)
            if (inspect.isclass(value) or inspect.isfunction(value)) and not value.__doc__:
                undocumented.append(f"{module.__name__}.{name}")
    assert undocumented == []


ADAPTER_NAMES = {
    "requests": {
        "DEFAULT_DEADLINE", "DEFAULT_TIMEOUT", "MAX_RESOURCE_BYTES", "OAuth1Auth", "OAuth2Auth",
        "OflyAuth", "OAuthSession", "TokenStore", "send_flow", "send_request",
        # rauth 0.7's API, kept for its users
        "OAuth1Service", "OAuth2Service", "OflyService", "OAuth1Session", "OAuth2Session",
        "OflySession", "HmacSha1Signature", "HmacSha256Signature", "HmacSha512Signature",
        "RsaSha1Signature", "RsaSha256Signature", "RsaSha512Signature", "PlaintextSignature",
        "RauthUsageError", "TokenKeyMissing", "parse_utf8_qsl",
    },
    "httpx": {
        "DEFAULT_DEADLINE", "DEFAULT_TIMEOUT", "MAX_RESOURCE_BYTES", "OAuth1Auth", "OAuth2Auth",
        "OflyAuth", "OAuthClient", "AsyncOAuthClient", "TokenStore", "send_flow",
        "async_send_flow", "send_request", "async_send_request",
    },
    "aiohttp": {
        "DEFAULT_TIMEOUT", "MAX_RESOURCE_BYTES", "OAuth1Middleware", "OAuth2Middleware",
        "OflyMiddleware", "RedirectMiddleware", "TokenStore", "oauth_session", "send_flow",
        "send_request",
    },
    "urllib3": {
        "AuthBase", "DEFAULT_DEADLINE", "DEFAULT_TIMEOUT", "Exchange", "MAX_RESOURCE_BYTES",
        "OAuth1Auth", "OAuth2Auth", "OflyAuth", "OAuthClient", "TokenStore", "new_pool_manager",
        "send_flow", "send_request",
    },
}  # fmt: skip


def test_adapter_exports() -> None:
    # Each adapter exports its auths, one TokenStore (the same class everywhere, so one store
    # can serve every adapter at once) and its flow runners; nothing else leaks out.
    stores = set()
    for name, expected in ADAPTER_NAMES.items():
        module = importlib.import_module(f"oauthcore.adapters.{name}")
        assert set(module.__all__) == expected, name
        for member in module.__all__:
            assert getattr(module, member) is not None
        stores.add(module.TokenStore)
    assert len(stores) == 1
