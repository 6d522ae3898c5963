"""URL validation and the transport policy (checklist F1–F9, C2–C4, C8)."""

from __future__ import annotations

import pytest

from oauthcore import ConfigurationError, InsecureTransportError
from oauthcore._urls import check_transport, is_loopback_host, parse_url
from oauthcore.oauth1 import base_string_uri


@pytest.mark.checklist("F1")
@pytest.mark.parametrize(
    "url",
    [
        "\x00https://x/",
        " https://x/",
        "https://x/ ",
        "https://x/\t",
        "https://x/a\r\nb",
        "https://x/\x7f",
    ],
)
def test_blanks_and_controls_are_refused_not_stripped(url: str) -> None:
    with pytest.raises(ConfigurationError):
        parse_url(url)


@pytest.mark.checklist("F2")
def test_userinfo_refused_without_echo() -> None:
    with pytest.raises(ConfigurationError) as info:
        parse_url("https://user:hunter2@as.example/token")
    assert "hunter2" not in str(info.value)


@pytest.mark.checklist("F3")
def test_idn_host_becomes_a_label_once() -> None:
    # RFC 3492 / RFC 5891: bücher -> xn--bcher-kva.
    assert base_string_uri("https://Bücher.example/p") == "https://xn--bcher-kva.example/p"
    assert parse_url("https://bücher.example/p").without_fragment() == (
        "https://xn--bcher-kva.example/p"
    )


@pytest.mark.checklist("F3")
@pytest.mark.parametrize("url", ["https://evil\uff03.example/", "https://a\u2100b.example/"])
def test_nfkc_separators_refused(url: str) -> None:
    with pytest.raises(ConfigurationError):
        parse_url(url)


@pytest.mark.checklist("F4")
def test_ipv6() -> None:
    assert base_string_uri("http://[::1]:80/") == "http://[::1]/"
    assert base_string_uri("https://[2001:DB8::1]:8443/x") == "https://[2001:db8::1]:8443/x"
    for bad in ("https://[fe80::1%25eth0]/", "https://[::1/", "https://[zz::1]/", "https://::1/"):
        with pytest.raises(ConfigurationError):
            parse_url(bad)


@pytest.mark.checklist("F4", "F8")
def test_colon_storm_is_a_typed_error() -> None:
    with pytest.raises(ConfigurationError):
        parse_url("https://" + ":" * 65536 + "/")


@pytest.mark.checklist("F5")
def test_ports() -> None:
    # RFC 5849 §3.4.1.2: the default port is excluded, any other included.
    assert base_string_uri("http://example.com:80/") == "http://example.com/"
    assert base_string_uri("https://example.com:443/") == "https://example.com/"
    assert base_string_uri("https://example.com:80/") == "https://example.com:80/"
    assert base_string_uri("https://example.com:0443/") == "https://example.com/"
    assert base_string_uri("https://example.com:/") == "https://example.com/"
    for bad in ("https://x:65536/", "https://x:abc/", "https://x:0/", "https://x:١٢/"):
        with pytest.raises(ConfigurationError):
            parse_url(bad)


@pytest.mark.checklist("F6")
def test_fragment_is_never_part_of_the_wire_url() -> None:
    url = parse_url("https://x.example/p?q=1#frag")
    assert url.fragment == "frag"
    assert url.without_fragment() == "https://x.example/p?q=1"


@pytest.mark.checklist("F7")
def test_case_and_path_as_sent() -> None:
    assert base_string_uri("HTTPS://Example.COM/A/./b/%7e") == "https://example.com/A/./b/%7e"
    assert base_string_uri("https://example.com") == "https://example.com/"


def test_scheme_must_be_http_or_https() -> None:
    for bad in ("ftp://x/", "file:///etc/passwd", "//x/", "x/y"):
        with pytest.raises(ConfigurationError):
            parse_url(bad)


@pytest.mark.checklist("C2", "C3", "C4")
@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.5.5.5", True),
        ("[::1]", True),
        ("[::ffff:127.0.0.1]", True),
        ("localhost", True),
        ("localhost.", True),
        ("localhost.evil.example", False),
        ("127.1", False),
        ("0x7f000001", False),
        ("2130706433", False),
        ("127.000.000.001", False),
        ("10.0.0.1", False),
        ("[::2]", False),
    ],
)
def test_loopback_detection(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


@pytest.mark.checklist("C4")
@pytest.mark.parametrize(
    "url",
    [
        "http://evil.example#@127.0.0.1/",
        "http://127.1/",
        "http://LOCALHOST.evil.example/",
    ],
)
def test_insecure_transport_refused(url: str) -> None:
    with pytest.raises(InsecureTransportError):
        check_transport(parse_url(url), what="test endpoint")


def test_userinfo_tricks_never_reach_the_loopback_check() -> None:
    for url in ("http://localhost:@evil.example/", "http://127.0.0.1:80@evil.example/"):
        with pytest.raises(ConfigurationError):
            parse_url(url)


def test_transport_opt_in_is_per_call() -> None:
    url = parse_url("http://api.example.com/")
    check_transport(url, what="x", allow_insecure=True)
    with pytest.raises(InsecureTransportError) as info:
        check_transport(url, what="x")
    assert "http://api.example.com" in str(info.value)
    check_transport(parse_url("http://LocalHost:8080/"), what="x")


@pytest.mark.checklist("F2", "F3")
def test_unparseable_authority_is_not_echoed() -> None:
    # urlsplit's own message would quote the netloc, password and all.
    with pytest.raises(ConfigurationError) as info:
        parse_url("https://user:hunter2\uff03x@as.example/")
    assert "hunter2" not in str(info.value)
    assert info.value.__cause__ is None
    assert info.value.__context__ is None
