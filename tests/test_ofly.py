"""Ofly signing (checklist L1–L5), with rauth 0.7.3 as the independent oracle (test-only)."""

from __future__ import annotations

import datetime as real_datetime
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oauthcore import ConfigurationError, InsecureTransportError
from oauthcore.http import Request
from oauthcore.ofly import (
    OflyCredentials,
    OflyHashMethod,
    build_ofly_authorize_url,
    ofly_timestamp,
    sign_ofly_params,
    sign_ofly_request,
)

rauth_session = pytest.importorskip("rauth.session")

CREDENTIALS = OflyCredentials(app_id="123", app_secret="OFLY-canary-456")
MOMENT = real_datetime.datetime(2026, 11, 30, 10, 45, 42, 123456)  # 123 ms: rauth pads alike


def _rauth_sign(
    monkeypatch: pytest.MonkeyPatch,
    url: str,
    params: dict[str, str],
    hash_meth: str,
    moment: real_datetime.datetime = MOMENT,
) -> dict[str, str]:
    class FrozenClock(real_datetime.datetime):
        @classmethod
        def utcnow(cls) -> FrozenClock:
            return cls.fromtimestamp(moment.timestamp())

    monkeypatch.setattr(rauth_session, "datetime", FrozenClock)
    signed: str = rauth_session.OflySession.sign(url, "123", "OFLY-canary-456", hash_meth, **params)
    # rauth returns the query unencoded: split it on '&' and the first '=' only.
    return dict(part.split("=", 1) for part in signed.split("&"))


@pytest.mark.checklist("L3")
@pytest.mark.parametrize("method", ["sha1", "md5"])
def test_signatures_equal_rauths(monkeypatch: pytest.MonkeyPatch, method: str) -> None:
    params = {"oflyUserid": "u42", "album": "Summer", "b": "2"}
    expected = _rauth_sign(monkeypatch, "https://ws.example.com/userid/album", params, method)
    ours = dict(
        sign_ofly_params(
            "https://ws.example.com/userid/album",
            CREDENTIALS,
            list(params.items()),
            hash_method=method,
            now=lambda: MOMENT.replace(tzinfo=real_datetime.timezone.utc),
        )
    )
    assert ours == expected
    assert ours["oflyHashMeth"] == method.upper()


@given(
    st.dictionaries(
        # rauth takes the parameters as **kwargs: its own argument names cannot be among them.
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8).filter(
            lambda name: name not in ("url", "app_id", "app_secret", "hash_meth")
        ),
        st.text(
            alphabet=st.characters(
                min_codepoint=0x20, max_codepoint=0x2FFF, exclude_characters="&="
            ),
            max_size=12,
        ),
        max_size=6,
    )
)
def test_any_parameters_sign_like_rauth(params: dict[str, str]) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        expected = _rauth_sign(monkeypatch, "https://ws.example.com/p", params, "sha1")
    ours = dict(
        sign_ofly_params(
            "https://ws.example.com/p",
            CREDENTIALS,
            list(params.items()),
            now=lambda: MOMENT.replace(tzinfo=real_datetime.timezone.utc),
        )
    )
    assert ours["oflyApiSig"] == expected["oflyApiSig"]


@pytest.mark.checklist("L1")
def test_milliseconds_are_zero_padded() -> None:
    moment = real_datetime.datetime(2026, 1, 2, 3, 4, 5, 5000, tzinfo=real_datetime.timezone.utc)
    assert ofly_timestamp(moment) == "2026-01-02T03:04:05.005Z"
    other_zone = real_datetime.timezone(real_datetime.timedelta(hours=2))
    assert ofly_timestamp(moment.astimezone(other_zone)) == "2026-01-02T03:04:05.005Z"


@pytest.mark.checklist("L2")
def test_query_parameters_in_the_url_are_signed(monkeypatch: pytest.MonkeyPatch) -> None:
    # The same parameters, in the URL or passed separately, give the same signature.
    expected = _rauth_sign(monkeypatch, "https://ws.example.com/p", {"a": "1", "b": "x y"}, "sha1")
    ours = dict(
        sign_ofly_params(
            "https://ws.example.com/p?a=1&b=x+y",
            CREDENTIALS,
            now=lambda: MOMENT.replace(tzinfo=real_datetime.timezone.utc),
        )
    )
    assert ours["oflyApiSig"] == expected["oflyApiSig"]


@pytest.mark.checklist("L4", "N1")
def test_bad_inputs_are_typed_errors() -> None:
    with pytest.raises(ConfigurationError):
        sign_ofly_params("https://ws.example.com/p", CREDENTIALS, hash_method="SHA256")
    request = Request(method="GET", url="https://ws.example.com/p")
    with pytest.raises(ConfigurationError):
        sign_ofly_request(request, CREDENTIALS, user_id="")
    with pytest.raises(ConfigurationError):
        sign_ofly_params("https://ws.example.com/p?a=1", CREDENTIALS, [("a", "2")])
    with pytest.raises(ConfigurationError):
        sign_ofly_params("https://ws.example.com/p", CREDENTIALS, [("oflyApiSig", "x")])
    for bad in ("", "a\r\nb"):
        with pytest.raises(ConfigurationError):
            OflyCredentials(app_id=bad, app_secret="s")
    assert "OFLY-canary" not in repr(CREDENTIALS)


@pytest.mark.checklist("L4")
def test_non_ascii_is_signed_as_utf8(monkeypatch: pytest.MonkeyPatch) -> None:
    params = {"caption": "été ☃"}
    expected = _rauth_sign(monkeypatch, "https://ws.example.com/p", params, "sha1")
    ours = dict(
        sign_ofly_params(
            "https://ws.example.com/p",
            CREDENTIALS,
            list(params.items()),
            now=lambda: MOMENT.replace(tzinfo=real_datetime.timezone.utc),
        )
    )
    assert ours["oflyApiSig"] == expected["oflyApiSig"]


@pytest.mark.checklist("L5")
def test_transport_policy() -> None:
    with pytest.raises(InsecureTransportError):
        sign_ofly_request(
            Request(method="GET", url="http://ws.example.com/p"), CREDENTIALS, user_id="u"
        )
    sign_ofly_request(
        Request(method="GET", url="http://127.0.0.1:8080/p"), CREDENTIALS, user_id="u"
    )


def test_signed_request_and_authorize_url() -> None:
    def clock() -> real_datetime.datetime:
        return MOMENT.replace(tzinfo=real_datetime.timezone.utc)

    signed = sign_ofly_request(
        Request(method="GET", url="https://ws.example.com/p?album=a%20b#frag"),
        CREDENTIALS,
        user_id="u42",
        now=clock,
    )
    parts = urlsplit(signed.url)
    query = dict(parse_qsl(parts.query))
    assert parts.fragment == ""
    assert query["album"] == "a b"
    assert query["oflyUserid"] == "u42"
    assert query["oflyTimestamp"] == "2026-11-30T10:45:42.123Z"
    assert query["oflyHashMeth"] == "SHA1"
    assert len(query["oflyApiSig"]) == 40
    url = build_ofly_authorize_url(
        "https://ws.example.com/oflyuser/createToken.sfly",
        CREDENTIALS,
        params=[("oflyCallbackUrl", "https://app.example/cb")],
        now=clock,
        hash_method=OflyHashMethod.MD5,
    )
    query = dict(parse_qsl(urlsplit(url).query))
    assert query["oflyCallbackUrl"] == "https://app.example/cb"
    assert len(query["oflyApiSig"]) == 32
    assert "OFLY-canary" not in url
