"""The provider's Ofly endpoints: a verifier for testing Ofly clients, and nothing more.

Security note (checklist L3): Ofly's signature is a secret-prefix hash, open to length
extension, which is why oauthcore ships no Ofly verifier for production. This one exists only
so clients can be tested: it recomputes ``oflyApiSig`` with
:func:`oauthcore.ofly.sign_ofly_params` over the received parameters and compares in
constant time, refuses a timestamp outside a window in either direction, and accepts only the
hash methods an application is registered with. The timestamp must be written as oauthcore
writes it, ``YYYY-MM-DDTHH:MM:SS.mmmZ`` (three millisecond digits; checklist L1).

Imports nothing but the standard library and oauthcore's core.
"""

from __future__ import annotations

import hmac
import re
from datetime import datetime, timezone

from ..errors import ConfigurationError
from ..http import Request, Response
from ..ofly import OflyCredentials, OflyHashMethod, sign_ofly_params
from ._model import OflyApp, User
from ._store import Store
from ._wire import BadRequest, json_response, oauth2_error, path_of, query_params, single

__all__ = ["authorize", "resource"]

_OFLY = frozenset(("oflyAppId", "oflyHashMeth", "oflyTimestamp", "oflyApiSig"))
_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})\.([0-9]{3})Z"
).fullmatch
_METHODS = {"SHA1": OflyHashMethod.SHA1, "MD5": OflyHashMethod.MD5}


def _refuse(status: int, description: str) -> BadRequest:
    error = "invalid_request" if status == 400 else "invalid_signature"
    return BadRequest(oauth2_error(error, description, status=status))


def _verify(store: Store, request: Request) -> tuple[OflyApp, list[tuple[str, str]]]:
    pairs = query_params(request)
    params = single(pairs)
    missing = [name for name in sorted(_OFLY) if not params.get(name)]
    if missing:
        raise _refuse(400, f"missing {', '.join(missing)}")
    app = store.ofly_apps.get(params["oflyAppId"])
    if app is None:
        raise _refuse(401, "unknown oflyAppId")
    method = _METHODS.get(params["oflyHashMeth"])
    if method is None or method not in app.hash_methods:
        raise _refuse(401, "oflyHashMeth not allowed for this application")
    found = _TIMESTAMP(params["oflyTimestamp"])
    if found is None:
        raise _refuse(400, "oflyTimestamp is not YYYY-MM-DDTHH:MM:SS.mmmZ")
    year, month, day, hour, minute, second, millis = (int(part) for part in found.groups())
    try:
        moment = datetime(
            year, month, day, hour, minute, second, millis * 1000, tzinfo=timezone.utc
        )
    except ValueError:
        raise _refuse(400, "oflyTimestamp is not a valid time") from None
    if abs(store.now() - moment.timestamp()) > store.settings.ofly_window:
        raise _refuse(401, "oflyTimestamp outside the accepted window")
    others = [(name, value) for name, value in pairs if name not in _OFLY]
    credentials = OflyCredentials(app_id=app.app_id, app_secret=app.app_secret)
    try:
        signed = sign_ofly_params(
            request.url.partition("?")[0],
            credentials,
            others,
            hash_method=method,
            now=lambda: moment,
        )
    except ConfigurationError:
        raise _refuse(400, "parameters cannot be signed") from None
    expected = dict(signed)["oflyApiSig"]
    if not hmac.compare_digest(expected.encode("ascii"), params["oflyApiSig"].encode("utf-8")):
        raise _refuse(401, "oflyApiSig does not verify")
    return app, others


def authorize(store: Store, request: Request) -> Response:
    """The signed authorize URL (rauth's ``OflyService.get_authorize_url``): auto-approved."""
    try:
        app, _ = _verify(store, request)
    except BadRequest as exc:
        return exc.response
    user = store.user_for(None)
    if not store.approve or user is None:
        return oauth2_error("access_denied", "the user denied the request", status=403)
    return json_response(
        {"protocol": "ofly", "approved": True, "app_id": app.app_id, "user_id": user.username}
    )


def resource(
    store: Store,
    request: Request,
    *,
    forced_error: str | None = None,
    forced_status: int | None = None,
) -> Response:
    """A resource signed with Ofly: echo the user and the non-Ofly parameters as JSON."""
    if forced_error is not None:
        return oauth2_error(forced_error, "injected fault", status=forced_status or 401)
    try:
        app, others = _verify(store, request)
    except BadRequest as exc:
        return exc.response
    user_id = dict(others).get("oflyUserid")
    user: User | None = None if user_id is None else store.users.get(user_id)
    if user is None:
        return oauth2_error("invalid_request", "oflyUserid names no registered user", status=401)
    return json_response(
        {
            "protocol": "ofly",
            "user": user.username,
            "app_id": app.app_id,
            "method": request.method,
            "path": path_of(request),
            "params": [[name, value] for name, value in others if name != "oflyUserid"],
        }
    )
