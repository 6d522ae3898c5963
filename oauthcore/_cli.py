"""The command-line interface: ``python -m oauthcore {demo,base-string,sign}``.

argparse over the core, nothing else: ``demo`` walks the RFC 5849 §1.2 example (each request
built, its base string and signature shown, then verified by the server-side helper);
``base-string`` prints the signature base string of a request; ``sign`` prints a signed request.
Secrets are read from the arguments only for the demo's published example values; ``sign``
reads them from standard input so they stay out of the process list and shell history.
"""

from __future__ import annotations

import argparse
import hmac
import json
import sys
from collections.abc import Callable, Sequence

from . import __version__
from .errors import OAuthError
from .flows import drive
from .http import Request, Response
from .oauth1 import (
    ClientCredentials,
    Consumer,
    NonceCache,
    Placement,
    SignatureMethod,
    TokenCredentials,
    build_authorization_url,
    build_temporary_credentials_request,
    build_token_request,
    credentials_flow,
    parse_authorization_callback,
    parse_authorization_header,
    sign_request,
    signature_base_string,
    verify_request,
)

__all__ = ["main"]

# RFC 5849 §1.2: the oauth_signature of the three example requests, in order.
PUBLISHED_SIGNATURES = (
    "74KNZJeDHnMBp0EMJ9ZHt/XKycU=",
    "gKgrFCywp7rO0OXSjdot/IHF7IU=",
    "MdpQcU8iPSUjWoN/UDMsK2sui9I=",
)


def main(argv: Sequence[str] | None = None, *, out: Callable[[str], None] = print) -> int:
    """Run the command line; return the process exit status."""
    parser = argparse.ArgumentParser(prog="python -m oauthcore", description=__doc__)
    parser.add_argument("--version", action="version", version=f"oauthcore {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo",
        help="walk through the RFC 5849 §1.2 example, OAuth 2.0 in memory, then live flows "
        "against the loopback provider through each adapter",
    )
    demo.add_argument(
        "--offline", action="store_true", help="only the in-memory parts (no adapters needed)"
    )
    base = commands.add_parser("base-string", help="print a request's signature base string")
    base.add_argument("method")
    base.add_argument("url")
    base.add_argument("params", nargs="*", help="other parameters as name=value")
    sign = commands.add_parser(
        "sign", help="sign a request; reads 'client_secret[&token_secret]' from stdin"
    )
    sign.add_argument("method")
    sign.add_argument("url")
    sign.add_argument("--client-key", required=True)
    sign.add_argument("--token")
    sign.add_argument(
        "--signature-method",
        default="HMAC-SHA1",
        choices=[m.value for m in SignatureMethod if not m.is_rsa],
    )
    sign.add_argument("--placement", default="header", choices=[p.value for p in Placement])
    sign.add_argument("--realm")
    args = parser.parse_args(argv)
    try:
        if args.command == "demo":
            _demo(out)
            _demo_oauth2(out)
            if not args.offline:
                from ._demo import DemoError, run  # the adapters and the testing provider

                try:
                    run(out)
                except DemoError as exc:
                    print(f"error: {exc}", file=sys.stderr)
                    return 1
        elif args.command == "base-string":
            params = [(n, v) for p in args.params for n, _, v in [p.partition("=")]]
            out(signature_base_string(args.method, args.url, params))
        else:
            client_secret, _, token_secret = sys.stdin.readline().rstrip("\n").partition("&")
            client = ClientCredentials.build(
                args.client_key, client_secret, signature_method=args.signature_method
            )
            token = (
                None
                if args.token is None
                else TokenCredentials(token=args.token, secret=token_secret)
            )
            signed = sign_request(
                Request(method=args.method, url=args.url),
                client,
                token,
                placement=Placement(args.placement),
                realm=args.realm,
            )
            out(f"{signed.method} {signed.url}")
            for name, value in signed.headers:
                out(f"{name}: {value}")
            if signed.body:
                out("")
                out(signed.body.decode("ascii"))
    except OAuthError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _demo(out: Callable[[str], None]) -> None:
    """RFC 5849 §1.2: printer.example.com prints a photo from photos.example.net."""
    client = ClientCredentials(key="dpf43f3p2l4k3l03", secret="kd94hf93k423kf44")  # noqa: S106 (RFC example)
    tokens = {"hh5s93j4hdidpola": "hdhd0244k9j7ao03", "nnch734d00sl2jdk": "pfkkdhi9sl3r4s00"}
    clock = iter((137131200, 137131201, 137131202))
    nonces = iter(("wIjqoS", "walatlh", "chapoH"))
    now = 137131200
    consumer = Consumer(key=client.key, secret=client.secret)
    seen = NonceCache(now=lambda: now)

    def provider(request: Request) -> Response:
        """The photos.example.net side: verify, then answer as §1.2 does."""
        verified = verify_request(
            request,
            get_consumer=lambda key: consumer if key == consumer.key else None,
            get_token_secret=lambda _, token: tokens.get(token),
            check_nonce=seen,
            token_required=not request.url.endswith("/initiate"),
            now=lambda: now,
        )
        out(
            f"   provider: signature verified (client {verified.consumer.key}, "
            f"token {verified.token})"
        )
        if request.url.endswith("/initiate"):
            body = (
                "oauth_token=hh5s93j4hdidpola&oauth_token_secret=hdhd0244k9j7ao03"
                "&oauth_callback_confirmed=true"
            )
        else:
            body = "oauth_token=nnch734d00sl2jdk&oauth_token_secret=pfkkdhi9sl3r4s00"
        return Response(status=200, body=body.encode("ascii"))

    published = iter(PUBLISHED_SIGNATURES)

    def show(step: str, request: Request) -> None:
        realm, params = parse_authorization_header(request.header("Authorization") or "")
        signature = dict(params)["oauth_signature"]
        expected = next(published)
        out(f"\n{step}\n   {request.method} {request.url}")
        out(f"   Authorization: OAuth realm={realm!r}, ... (protocol parameters)")
        out("   signature base string:")
        out("     " + signature_base_string(request.method, request.url, params))
        verdict = "equals" if hmac.compare_digest(signature, expected) else "DIFFERS FROM"
        out(f"   oauth_signature {signature} {verdict} RFC 5849 §1.2's {expected}")

    out("oauthcore demo: the RFC 5849 §1.2 example, every signature checked by the provider")
    request = build_temporary_credentials_request(
        "https://photos.example.net/initiate",
        client,
        callback="http://printer.example.com/ready",
        realm="Photos",
        now=lambda: next(clock),
        nonce=lambda: next(nonces),
    )
    show("1. temporary credentials request (§2.1)", request)
    temporary = drive(credentials_flow(request, temporary=True), provider)
    out(f"   -> temporary credentials: {temporary!r}")

    url = build_authorization_url("https://photos.example.net/authorize", temporary)
    out(f"\n2. the resource owner visits {url} and approves (§2.2)")
    callback = parse_authorization_callback(
        "http://printer.example.com/ready?oauth_token=hh5s93j4hdidpola"
        "&oauth_verifier=hfdp7dh39dks9884",
        expected_token=temporary.token,
    )
    out(f"   -> callback carries oauth_token={callback.token} and a verifier")

    now = 137131201
    request = build_token_request(
        "https://photos.example.net/token",
        client,
        temporary,
        verifier=callback.verifier,
        realm="Photos",
        now=lambda: next(clock),
        nonce=lambda: next(nonces),
    )
    show("3. token credentials request (§2.3)", request)
    token = drive(credentials_flow(request, temporary=False), provider)
    out(f"   -> token credentials: {token!r}")

    now = 137131202
    request = sign_request(
        Request(
            method="GET", url="http://photos.example.net/photos?file=vacation.jpg&size=original"
        ),
        client,
        token,
        realm="Photos",
        now=lambda: next(clock),
        nonce=lambda: next(nonces),
        allow_insecure_transport=True,  # the RFC's example resource is plain http
    )
    show("4. authenticated resource request (§3)", request)
    provider_check = verify_request(
        request,
        get_consumer=lambda key: consumer,
        get_token_secret=lambda _, t: tokens.get(t),
        check_nonce=seen,
        now=lambda: now,
    )
    out(f"   provider: signature verified ({provider_check.signature_method.value})")
    out("\nDone: three requests signed, each verified by the provider helper.")


def _demo_oauth2(out: Callable[[str], None]) -> None:
    """RFC 6749 §4.1 with PKCE, then a refresh after the token is revoked (RFC 6750 §3.1)."""
    from urllib.parse import urlsplit

    from . import oauth2
    from ._encoding import decode_form

    out("\n\noauthcore demo, part 2: OAuth 2.0 authorization code with PKCE, and a refresh")
    client = oauth2.ClientConfig(
        client_id="s6BhdRkqt3",
        client_secret="gX1fBat3bV",  # noqa: S106 (RFC 6749's example client)
        authorization_endpoint="https://server.example.com/authorize",
        token_endpoint="https://server.example.com/token",  # noqa: S106 (a URL)
        redirect_uri="https://client.example.com/cb",
    )
    clock = 1_700_000_000
    url, pending = oauth2.build_authorization_url(client, scope="read")
    query = dict(decode_form(urlsplit(url).query))
    out("\n5. authorization request (§4.1.1): state and an S256 PKCE challenge by default")
    out(f"   GET {urlsplit(url).path}?" + "&".join(f"{name}=..." for name in query))
    saved = json.dumps(pending.to_dict())  # what the web app keeps in the user's session
    out(f"   kept in the session until the callback: {sorted(json.loads(saved))}")

    issued = {"code": "SplxlOBeZQQYbYS6WxSbIA", "refresh": "tGzv3JOkF0XG5Qx2TlKWIA"}
    tokens = iter(("2YotnFZFEjr1zCsicMWpAA", "8xLOxBtZp8"))

    def authorization_server(request: Request) -> Response:
        form = dict(decode_form(request.body))
        expected = oauth2.basic_authorization("s6BhdRkqt3", "gX1fBat3bV")
        if not hmac.compare_digest(request.header("Authorization") or "", expected):
            return Response(status=401, body=b'{"error": "invalid_client"}')
        if form["grant_type"] == "authorization_code":
            oauth2.verify_pkce(form.get("code_verifier"), query["code_challenge"], "S256")
            out("   server: client authenticated, PKCE code_verifier matches the challenge")
        else:
            out(f"   server: refresh_token grant ({form['grant_type']}) accepted")
        body = {
            "access_token": next(tokens),
            "token_type": "Bearer",
            "expires_in": 3600,
            "refresh_token": issued["refresh"],
        }
        return Response(
            status=200,
            headers=(("Content-Type", "application/json"),),
            body=json.dumps(body).encode(),
        )

    callback = f"https://client.example.com/cb?code={issued['code']}&state={pending.state}"
    out("\n6. the user approves; the callback is checked: state first, then the code (§4.1.2)")
    restored = oauth2.PendingAuthorization.from_dict(json.loads(saved))
    code = oauth2.parse_authorization_response(callback, restored, client=client)
    request = oauth2.build_authorization_code_request(
        client, code.code, code_verifier=restored.code_verifier
    )
    fields = sorted(dict(decode_form(request.body)))
    out(f"\n7. token request (§4.1.3): POST {request.url} with {fields}")
    token = drive(
        oauth2.token_flow(request, now=lambda: clock, requested_scope=restored.scope),
        authorization_server,
    )
    out(f"   -> {token!r}")

    revoked = {"2YotnFZFEjr1zCsicMWpAA"}

    def resource_server(request: Request) -> Response:
        if request.url.endswith("/token"):
            return authorization_server(request)
        if oauth2.extract_bearer_token(request) in revoked:
            out("   resource: 401 invalid_token (the token was revoked)")
            challenge = oauth2.build_www_authenticate(error="invalid_token")
            return Response(status=401, headers=(("WWW-Authenticate", challenge),))
        out("   resource: 200 with the new token")
        return Response(status=200, body=b'{"name": "alice"}')

    out("\n8. a resource request (RFC 6750 §2.1); on 401 invalid_token: refresh once, replay once")
    result = drive(
        oauth2.authorized_request_flow(
            Request(method="GET", url="https://api.example.com/me"),
            token,
            client,
            on_token=lambda new: out(f"   on_token hook stores the new token: {new!r}"),
            now=lambda: clock,
        ),
        resource_server,
    )
    out(f"   -> HTTP {result.response.status}, renewed={result.renewed}")
    out("\nDone: no secret, token or code was printed; reprs mask them.")
