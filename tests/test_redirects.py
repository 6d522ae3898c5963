"""The redirect policy the adapters share (checklist C5, D1–D7)."""

from __future__ import annotations

import pytest

from oauthcore import ConfigurationError, RedirectPolicyError
from oauthcore.http import Request
from oauthcore.redirects import next_hop

CREDENTIALS = (
    ("Authorization", "Bearer AT-canary"),
    ("authorization", "Bearer AT-canary-2"),
    ("AUTHORIZATION", "Bearer AT-canary-3"),
    ("Proxy-Authorization", "Basic eDp5"),
    ("Cookie", "s=1"),
    ("X-Keep", "yes"),
)


def _request(url: str = "https://api.example.com/a", method: str = "GET") -> Request:
    return Request(method=method, url=url, headers=CREDENTIALS)


@pytest.mark.checklist("D1", "D2")
@pytest.mark.parametrize(
    "location",
    [
        "https://other.example.com/b",  # host
        "https://api.example.com:8443/b",  # port
        "https://127.0.0.1/b",  # host
        "//evil.example/b",  # scheme-relative
        "https://API.example.com.evil.example/b",
    ],
)
def test_another_origin_gets_no_credentials(location: str) -> None:
    hop = next_hop(_request(), 302, location, hops=0)
    assert [name for name, _ in hop.headers] == ["X-Keep"]


@pytest.mark.checklist("D1")
def test_same_origin_keeps_credentials_and_http_to_https_strips_them() -> None:
    same = next_hop(_request(), 307, "/b?c=1#frag", hops=0)
    assert same.url == "https://api.example.com/b?c=1"
    assert same.headers == CREDENTIALS
    # A same-host upgrade from http to https is an origin change too: stripped.
    upgraded = next_hop(_request("http://127.0.0.1/a"), 301, "https://127.0.0.1/a", hops=0)
    assert [name for name, _ in upgraded.headers] == ["X-Keep"]


@pytest.mark.checklist("C5")
def test_https_to_http_is_refused_even_for_loopback() -> None:
    with pytest.raises(RedirectPolicyError) as info:
        next_hop(_request(), 302, "http://127.0.0.1/b?token=SECRET", hops=0)
    assert "SECRET" not in str(info.value)
    assert "http://127.0.0.1" in str(info.value)
    with pytest.raises(RedirectPolicyError):
        next_hop(_request("http://127.0.0.1/a"), 302, "http://api.example.com/b", hops=0)
    hop = next_hop(
        _request("http://127.0.0.1/a"),
        302,
        "http://api.example.com/b",
        hops=0,
        allow_insecure_transport=True,
    )
    assert hop.url == "http://api.example.com/b"


@pytest.mark.checklist("D4", "D6")
def test_not_followed_or_too_many() -> None:
    with pytest.raises(RedirectPolicyError):
        next_hop(_request(), 307, "/b", hops=0, follow=False)
    with pytest.raises(RedirectPolicyError):
        next_hop(_request(), 307, "/b", hops=5)
    next_hop(_request(), 307, "/b", hops=4)


@pytest.mark.checklist("D7")
@pytest.mark.parametrize(
    "location",
    [
        "file:///etc/passwd",
        "data:text/plain,hi",
        "javascript:alert(1)",
        "ftp://x/",
        "https://u:p@x/",
    ],
)
def test_non_http_locations_are_refused(location: str) -> None:
    with pytest.raises(RedirectPolicyError):
        next_hop(_request(), 302, location, hops=0)


@pytest.mark.parametrize(
    ("status", "method", "expected"),
    [(301, "POST", "GET"), (302, "POST", "GET"), (303, "PUT", "GET"), (303, "HEAD", "HEAD"),
     (307, "POST", "POST"), (308, "PUT", "PUT"), (301, "GET", "GET")],
)  # fmt: skip
def test_method_rewriting(status: int, method: str, expected: str) -> None:
    request = Request(
        method=method,
        url="https://api.example.com/a",
        headers=(("Content-Type", "application/x-www-form-urlencoded"),),
        body=b"x=1",
    )
    hop = next_hop(request, status, "/b", hops=0)
    assert hop.method == expected
    if expected != method:
        assert hop.body == b""
        assert hop.header("Content-Type") is None


@pytest.mark.checklist("D1")
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH"])
def test_a_streamed_body_is_followed_only_by_hops_that_drop_it(status: int, method: str) -> None:
    # RFC 9110 §15.4.2-§15.4.9: 303, and 301/302 after a POST, turn into a GET without a body;
    # the other hops send the method and body again, which a spent stream cannot do.
    streamed = Request(
        method=method,
        url="https://api.example.com/a",
        headers=(("Content-Type", "application/octet-stream"), ("Transfer-Encoding", "chunked")),
    )
    if status == 303 or (status in (301, 302) and method == "POST"):
        hop = next_hop(streamed, status, "/b", hops=0, streamed=True)
        assert (hop.method, hop.body) == ("GET", b"")
        assert hop.header("Content-Type") is None
        assert hop.header("Transfer-Encoding") is None
    else:
        with pytest.raises(RedirectPolicyError, match="streamed"):
            next_hop(streamed, status, "/b", hops=0, streamed=True)
        assert next_hop(streamed, status, "/b", hops=0).method == method  # not a stream


def test_only_redirect_statuses() -> None:
    with pytest.raises(ConfigurationError):
        next_hop(_request(), 200, "/b", hops=0)


@pytest.mark.checklist("D1", "D3")
def test_a_body_is_never_re_sent_to_another_origin() -> None:
    form = Request(
        method="POST",
        url="https://api.example.com/a",
        headers=(("Content-Type", "application/x-www-form-urlencoded"),),
        body=b"access_token=AT-canary",
    )
    for status in (307, 308):
        with pytest.raises(RedirectPolicyError) as info:
            next_hop(form, status, "https://other.example.com/b", hops=0)
        assert "AT-canary" not in str(info.value)
        assert next_hop(form, status, "/b", hops=0).body == form.body  # same origin: kept
    assert next_hop(form, 303, "https://other.example.com/b", hops=0).body == b""


def test_same_origin() -> None:
    from oauthcore.redirects import same_origin

    assert same_origin("https://a.example/x", "https://A.example:443/y?z")
    assert not same_origin("https://a.example/", "http://a.example/")
    assert not same_origin("https://a.example/", "https://a.example:8443/")
    assert not same_origin("https://a.example/", "not a url")
