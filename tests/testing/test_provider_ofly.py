"""The Ofly verifier of the loopback provider, driven by an independent client: rauth 0.7.3.

rauth's ``OflySession.sign`` reads ``datetime.utcnow()`` itself; the tests freeze it by
replacing ``rauth.session.datetime``. rauth writes the milliseconds without zero padding
(``.5Z`` for 5 ms, checklist L1): the verifier takes only oauthcore's three-digit form, so
those requests are refused, and requests at 100 ms or more are accepted.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests

from oauthcore.ofly import OflyHashMethod
from oauthcore.testing import LoopbackProvider, OflyApp

# Through importorskip, which silences rauth's invalid escape sequences when the module is
# compiled afresh (under ``python -O`` there is no cached bytecode).
rauth_session = pytest.importorskip("rauth.session")
OflySession = rauth_session.OflySession


def _frozen(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    naive = moment.astimezone(timezone.utc).replace(tzinfo=None)

    class Frozen:
        @staticmethod
        def utcnow() -> datetime:
            return naive

    monkeypatch.setattr(rauth_session, "datetime", Frozen)


def _rauth_get(
    provider: LoopbackProvider, path: str, app: OflyApp, hash_meth: str = "sha1", **params: str
) -> requests.Response:
    url = provider.ofly_resource_url + path
    query = OflySession.sign(url, app.app_id, app.app_secret, hash_meth=hash_meth, **params)
    return requests.get(f"{url}?{query}", timeout=10)


def _now(provider: LoopbackProvider, millis: int) -> datetime:
    moment = datetime.fromtimestamp(provider.now(), timezone.utc)
    return moment.replace(microsecond=millis * 1000)


@pytest.mark.parametrize("hash_meth", ["sha1", "md5"])
def test_rauth_signed_requests_verify(
    oauth_provider: LoopbackProvider, monkeypatch: pytest.MonkeyPatch, hash_meth: str
) -> None:
    _frozen(monkeypatch, _now(oauth_provider, 345))
    app = oauth_provider.ofly_app()
    response = _rauth_get(
        oauth_provider, "/albums", app, hash_meth, oflyUserid="alice", page="2", q="a b"
    )
    assert response.status_code == 200, response.text
    echo = response.json()
    assert echo["user"] == "alice"
    assert echo["params"] == [["page", "2"], ["q", "a b"]]


def test_rauth_short_milliseconds_are_refused(
    oauth_provider: LoopbackProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    _frozen(monkeypatch, _now(oauth_provider, 5))
    response = _rauth_get(oauth_provider, "", oauth_provider.ofly_app(), oflyUserid="alice")
    assert response.status_code == 400
    assert "mmmZ" in response.json()["error_description"]


@pytest.mark.checklist("L3")
def test_tampering_stale_timestamps_and_unknown_users_are_refused(
    oauth_provider: LoopbackProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = oauth_provider.ofly_app()
    _frozen(monkeypatch, _now(oauth_provider, 250))
    url = oauth_provider.ofly_resource_url
    query = OflySession.sign(url, app.app_id, app.app_secret, oflyUserid="alice", page="2")
    tampered = requests.get(f"{url}?{query.replace('page=2', 'page=3')}", timeout=10)
    assert (tampered.status_code, tampered.json()["error"]) == (401, "invalid_signature")
    stranger = _rauth_get(oauth_provider, "", app, oflyUserid="mallory")
    assert stranger.status_code == 401
    wrong_secret = OflyApp(app_id=app.app_id, app_secret="not-the-secret")
    assert _rauth_get(oauth_provider, "", wrong_secret, oflyUserid="alice").status_code == 401
    # Outside the window, in the past and in the future (both directions, checklist G9).
    for shift in (-301, 301):
        _frozen(monkeypatch, _now(oauth_provider, 250) + timedelta(seconds=shift))
        assert _rauth_get(oauth_provider, "", app, oflyUserid="alice").status_code == 401


def test_hash_methods_are_per_application(
    oauth_provider: LoopbackProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    sha1_only = OflyApp(
        app_id="sha1-only", app_secret="s3cret", hash_methods=frozenset({OflyHashMethod.SHA1})
    )
    oauth_provider.register(sha1_only)
    _frozen(monkeypatch, _now(oauth_provider, 500))
    assert _rauth_get(oauth_provider, "", sha1_only, "md5", oflyUserid="alice").status_code == 401
    assert _rauth_get(oauth_provider, "", sha1_only, "sha1", oflyUserid="alice").status_code == 200


def test_ofly_authorize_url_from_rauth_service(
    oauth_provider: LoopbackProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    _frozen(monkeypatch, _now(oauth_provider, 123))
    app = oauth_provider.ofly_app()
    url = oauth_provider.ofly_authorize_url
    query = OflySession.sign(url, app.app_id, app.app_secret)
    approved = requests.get(f"{url}?{query}", timeout=10).json()
    assert approved == {
        "protocol": "ofly",
        "approved": True,
        "app_id": app.app_id,
        "user_id": "alice",
    }
