"""The neutral Request/Response values (DESIGN "The neutral HTTP types")."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from oauthcore import ConfigurationError
from oauthcore.http import Request, Response, build_headers


def test_request_is_frozen_and_headers_are_case_insensitive() -> None:
    request = Request.build("GET", "https://x.example/", headers={"X-One": "1"}, body="é")
    assert request.body == "é".encode()
    assert request.header("x-one") == "1"
    assert request.header("missing") is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.url = "https://other/"  # type: ignore[misc]  # proving it is frozen
    replaced = request.with_header("x-ONE", "2")
    assert replaced.headers == (("x-ONE", "2"),)
    assert request.headers == (("X-One", "1"),)


def test_headers_keep_order_and_repeats() -> None:
    pairs = [("A", "1"), ("a", "2")]
    assert build_headers(pairs) == (("A", "1"), ("a", "2"))
    assert build_headers(None) == ()
    assert Response(status=200, headers=build_headers(pairs)).header("A") == "1"


@pytest.mark.checklist("E1")
@pytest.mark.parametrize(
    ("method", "url", "headers"),
    [
        ("GET /x HTTP/1.1", "https://x/", ()),
        ("GET", "https://x/\r\nHost: evil", ()),
        ("GET", "https://x/ y", ()),
        ("GET", "https://x/", (("X", "a\nb"),)),
        ("GET", "https://x/", (("X", "a\x00b"),)),
        ("GET", "https://x/", (("X:Y", "a"),)),
        ("GET", "https://x/", (("", "a"),)),
    ],
)
def test_request_line_and_header_injection_refused(
    method: str, url: str, headers: tuple[tuple[str, str], ...]
) -> None:
    with pytest.raises(ConfigurationError):
        Request(method=method, url=url, headers=headers)


def test_tab_is_allowed_in_a_header_value() -> None:
    assert Request.build("GET", "https://x/", headers={"X": "a\tb"}).header("X") == "a\tb"


_CONTROLS = [chr(code) for code in range(0x20) if code != 0x09] + ["\x7f"]


@pytest.mark.checklist("E1")
@pytest.mark.parametrize("name", ["Authorization", "X-Custom"])
@pytest.mark.parametrize("length", [5, 79, 80, 81, 400])
@pytest.mark.parametrize("text", ["a", "é"])
def test_header_values_of_any_length_refuse_every_control(
    name: str, length: int, text: str
) -> None:
    # Short values and long ASCII ones are checked by different means (a long signed
    # Authorization header in one pass over its octets): both refuse every C0 control but
    # HTAB, and DEL, wherever it stands, and let HTAB through.
    for control in _CONTROLS:
        for at in (0, length // 2, length):
            value = text * at + control + text * (length - at)
            with pytest.raises(ConfigurationError, match="control character"):
                Request(method="GET", url="https://x/", headers=((name, value),))
    tabbed = text * (length // 2) + "\t" + text * (length // 2)
    assert Request(method="GET", url="https://x/", headers=((name, tabbed),)).header(name) == tabbed


@pytest.mark.checklist("I2")
def test_repr_hides_credentials() -> None:
    request = Request.build(
        "GET",
        "https://x.example/p?oauth_signature=SIG-canary&a=1#frag",
        headers={"Authorization": 'OAuth oauth_signature="SIG2-canary"', "Cookie": "c=COOKIE"},
        body="secret-body",
    )
    text = repr(request)
    for canary in ("SIG-canary", "SIG2-canary", "COOKIE", "secret-body"):
        assert canary not in text
    assert "oauth_signature=***" in text
    assert "https://x.example/p" in text
    response = Response(status=200, headers=(("Set-Cookie", "s=SESSION"),), body=b"TOKENBODY")
    assert "SESSION" not in repr(response)
    assert "TOKENBODY" not in repr(response)


def test_values_pickle() -> None:
    request = Request.build("POST", "https://x.example/", headers={"A": "b"}, body=b"x")
    assert pickle.loads(pickle.dumps(request)) == request  # noqa: S301 (our own bytes)


def test_values_compare_hash_and_show_as_generated_dataclasses_do() -> None:
    # FieldValue stands in for what @dataclass(eq=True, frozen=True) would generate; the
    # stdlib's own generated methods, on a twin class, are the oracle.
    import dataclasses as dc

    from oauthcore.oauth1 import ClientCredentials, TokenCredentials

    @dc.dataclass(frozen=True, slots=True, kw_only=True)
    class Twin:
        method: str
        url: str
        headers: tuple[tuple[str, str], ...] = ()
        body: bytes = dc.field(default=b"", repr=False)

    cases = [
        {"method": "GET", "url": "https://x/"},
        {"method": "GET", "url": "https://x/", "headers": (("A", "1"),)},
        {"method": "POST", "url": "https://x/", "body": b"a=1"},
        {"method": "POST", "url": "https://x/", "body": b"a=2"},
    ]
    for left in cases:
        for right in cases:
            ours = Request(**left) == Request(**right)  # type: ignore[arg-type]
            assert ours == (Twin(**left) == Twin(**right))  # type: ignore[arg-type]
            if ours:
                assert hash(Request(**left)) == hash(Request(**right))  # type: ignore[arg-type]
    request = Request(method="GET", url="https://x/")
    assert request != Twin(method="GET", url="https://x/")  # another class: never equal
    assert request.__eq__(object()) is NotImplemented
    assert Response(status=200) == Response(status=200)
    assert Response(status=200) != Response(status=201)
    assert len({Response(status=200), Response(status=200)}) == 1

    @dc.dataclass(frozen=True, slots=True, kw_only=True)
    class TwinToken:
        token: str
        secret: str = dc.field(default="", repr=False)
        extra: tuple[tuple[str, str], ...] = ()

    token = TokenCredentials(token="tk", secret="ts", extra=(("user_id", "1"),))
    twin = TwinToken(token="tk", secret="ts", extra=(("user_id", "1"),))
    assert repr(token) == repr(twin).replace("TwinToken", "TokenCredentials", 1).replace(
        "test_values_compare_hash_and_show_as_generated_dataclasses_do.<locals>.", ""
    )
    assert repr(ClientCredentials(key="ck", secret="cs")) == (
        "ClientCredentials(key='ck', signature_method=<SignatureMethod.HMAC_SHA1: 'HMAC-SHA1'>)"
    )
    assert TokenCredentials(token="tk", secret="a") != TokenCredentials(token="tk", secret="b")
