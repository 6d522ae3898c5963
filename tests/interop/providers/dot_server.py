"""django-oauth-toolkit as an OAuth 2.0 authorization and resource server, for interop tests.

Run by ``tests/interop/conftest.py`` as ``python -m interop.providers.dot_server [--lifetime
S]`` from ``tests/``. It binds
``127.0.0.1:0`` first (the issuer URL is then known), configures Django in-process
(``settings.configure``, a throw-away SQLite file, ``migrate --run-syncdb`` without migration
files, the fast MD5 password hasher, since DOT hashes client secrets with it too), serves
with Django's threaded WSGI server with ``TCP_NODELAY``, and prints one JSON ready line;
see ``_lifecycle.py`` for how it stops.

Registered (all secrets are test values, printed in the ready line):

- ``confidential``: authorization code, PKCE required, ``client_secret_basic``, a secret
  with ``:``, ``+``, ``%``, a space and non-ASCII (form-encoded before base64, RFC 6749
  §2.3.1);
- ``public``: authorization code, PKCE required, no secret;
- ``no_pkce``: authorization code, confidential, the one client PKCE is optional for;
- ``service``: client credentials (``client_secret_post`` in the tests);
- ``password``: resource owner password credentials;
- user ``alice``.

Settings of note: refresh tokens rotate, reusing a rotated one revokes the grant
(``REFRESH_TOKEN_REUSE_PROTECTION``); the RFC 9207 ``iss`` is added to authorization
responses; access tokens are accepted in the query (RFC 6750 §2.3, a DOT deprecation).

Test-only: at the authorization endpoint the user named in the ``X-Test-User`` header is
logged in, and every application skips the consent screen, so a GET of the authorization
URL answers ``302`` to the redirect URI with ``code``, ``state`` and ``iss``; a POST of
``token=…`` to ``/test/expire`` makes that access token expired. The protected
resources (``/api/me``: scope ``read``; ``/api/write``: scope ``write``) answer JSON, or
``401``/``403`` with a ``WWW-Authenticate: Bearer`` challenge (RFC 6750 §3).
"""

from __future__ import annotations

import hashlib
import socketserver
import sys
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

from . import _lifecycle

try:
    import django  # type: ignore[import-untyped]
    from django.conf import settings  # type: ignore[import-untyped]
    from django.core.servers.basehttp import (  # type: ignore[import-untyped]
        WSGIRequestHandler,
        WSGIServer,
    )
except ImportError as exc:  # reported by the fixture, which skips or fails
    sys.exit(f"dot_server provider: missing dependency: {exc}")

USER, PASSWORD = "alice", "alice-password"
REDIRECT_URI = "http://127.0.0.1/callback"
CLIENTS: dict[str, dict[str, Any]] = {
    "confidential": {
        "client_id": "interop-confidential",
        # RFC 6749 §2.3.1: form-encoded, then base64 (checklist E5).
        "client_secret": "conf:secret +%/é",
        "client_type": "confidential",
        "grant": "authorization-code",
        "redirect_uri": REDIRECT_URI,
    },
    "public": {
        "client_id": "interop-public",
        "client_secret": "",
        "client_type": "public",
        "grant": "authorization-code",
        "redirect_uri": REDIRECT_URI,
    },
    "no_pkce": {
        "client_id": "interop-no-pkce",
        "client_secret": "no-pkce-secret",
        "client_type": "confidential",
        "grant": "authorization-code",
        "redirect_uri": REDIRECT_URI,
    },
    "service": {
        "client_id": "interop-service",
        "client_secret": "service-secret",
        "client_type": "confidential",
        "grant": "client-credentials",
    },
    "password": {
        "client_id": "interop-password",
        "client_secret": "password-client-secret",
        "client_type": "confidential",
        "grant": "password",
    },
}
NO_PKCE_CLIENTS = frozenset({CLIENTS["no_pkce"]["client_id"]})

# This module is Django's URLconf and holds its middleware (see configure()).
urlpatterns: list[Any] = []


def pkce_required(client_id: str) -> bool:
    """PKCE for every client but the one that opts out (DOT's callable PKCE_REQUIRED)."""
    return client_id not in NO_PKCE_CLIENTS


# Test-only login: username → user (and "" → the anonymous user), filled by django_app().
_logins: dict[str, Any] = {}


def test_user_middleware(get_response: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Test-only login: the user named in ``X-Test-User``, or the anonymous user."""

    def middleware(request: Any) -> Any:
        request.user = _logins.get(request.headers.get("X-Test-User") or "", _logins[""])
        return get_response(request)

    return middleware


def configure(base_url: str, database: Path) -> None:
    settings.configure(
        DEBUG=False,
        ALLOWED_HOSTS=["127.0.0.1", "localhost", "[::1]"],
        SECRET_KEY="interop-tests-only-not-a-secret",
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "oauth2_provider",
        ],
        MIDDLEWARE=[
            "django.middleware.csrf.CsrfViewMiddleware",
            f"{__name__}.test_user_middleware",
        ],
        TEMPLATES=[
            {"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}
        ],
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(database),
                "OPTIONS": {"init_command": "PRAGMA synchronous=OFF; PRAGMA journal_mode=WAL;"},
            }
        },
        # No migration files: the tables are created straight from the models (0.8 s less).
        MIGRATION_MODULES={"auth": None, "contenttypes": None, "oauth2_provider": None},
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        USE_TZ=True,
        LOGGING_CONFIG=None,
        OAUTH2_PROVIDER={
            "SCOPES": {"read": "Read", "write": "Write", "introspection": "Introspect"},
            "DEFAULT_SCOPES": ["read", "write"],
            "PKCE_REQUIRED": pkce_required,
            "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
            "ROTATE_REFRESH_TOKEN": True,
            "REFRESH_TOKEN_REUSE_PROTECTION": True,
            "OIDC_ISS_ENDPOINT": base_url,
            "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
        },
    )
    django.setup()


def django_app() -> Any:
    """Create the tables and rows, fill this module's URLconf; return Django's WSGI app.

    Everything imported here needs a configured Django, hence the imports in the function.
    """
    from django.contrib.auth import get_user_model  # type: ignore[import-untyped]
    from django.contrib.auth.models import AnonymousUser  # type: ignore[import-untyped]
    from django.core.management import call_command  # type: ignore[import-untyped]
    from django.core.wsgi import get_wsgi_application  # type: ignore[import-untyped]
    from django.http import JsonResponse  # type: ignore[import-untyped]
    from django.urls import include, path  # type: ignore[import-untyped]
    from django.utils import timezone  # type: ignore[import-untyped]
    from django.views.decorators.csrf import csrf_exempt  # type: ignore[import-untyped]
    from oauth2_provider import urls as dot_urls  # type: ignore[import-untyped]
    from oauth2_provider.models import (  # type: ignore[import-untyped]
        get_access_token_model,
        get_application_model,
    )
    from oauth2_provider.views.generic import (  # type: ignore[import-untyped]
        ScopedProtectedResourceMetadataView,
    )

    call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)
    _logins[USER] = get_user_model().objects.create_user(USER, password=PASSWORD)
    _logins[""] = AnonymousUser()
    for name, client in CLIENTS.items():
        # DOT hashes the secret when it saves it: the plaintext stays in CLIENTS.
        get_application_model().objects.create(
            name=name,
            client_id=client["client_id"],
            client_secret=client["client_secret"],
            client_type=client["client_type"],
            authorization_grant_type=client["grant"],
            redirect_uris=client.get("redirect_uri", ""),
            skip_authorization=True,
        )

    class Me(ScopedProtectedResourceMetadataView):  # type: ignore[misc]
        required_scopes: ClassVar[list[str]] = ["read"]

        def get(self, request: Any) -> Any:
            user = request.resource_owner
            return JsonResponse(
                {
                    "user": user.get_username() if user is not None else None,
                    "method": request.method,
                    "resource": "me",
                }
            )

        post = get

    class Write(Me):
        required_scopes: ClassVar[list[str]] = ["write"]

    def expire(request: Any) -> Any:
        """Test-only: make the access token in the form field ``token`` expired now."""
        checksum = hashlib.sha256(request.POST.get("token", "").encode("utf-8")).hexdigest()
        expired = (
            get_access_token_model()
            .objects.filter(token_checksum=checksum)
            .update(expires=timezone.now() - timedelta(seconds=1))
        )
        return JsonResponse({"expired": expired})

    urlpatterns[:] = [
        path("o/", include(dot_urls)),
        path("", include(dot_urls.metadata_urlpatterns)),
        # Bearer-protected views must be csrf_exempt, or a form-body token gets 403.
        path("api/me", csrf_exempt(Me.as_view())),
        path("api/write", csrf_exempt(Write.as_view())),
        path("test/expire", csrf_exempt(expire)),
    ]
    return get_wsgi_application()


class Server(_lifecycle.NoDelayMixin, socketserver.ThreadingMixIn, WSGIServer):  # type: ignore[misc]
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):  # type: ignore[misc]
    def log_message(self, format: str, *args: Any) -> None:
        pass


def main() -> None:
    args = _lifecycle.parse_args(__doc__.splitlines()[0] if __doc__ else "")
    _lifecycle.quiet()
    server = Server(("127.0.0.1", 0), QuietHandler)
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    with tempfile.TemporaryDirectory(prefix="dot-interop-") as scratch:
        configure(base_url, Path(scratch) / "db.sqlite3")
        server.set_app(django_app())
        _lifecycle.serve(
            server,
            lifetime=args.lifetime,
            base_url=base_url,
            endpoints={
                "issuer": base_url,
                "metadata": f"{base_url}/.well-known/oauth-authorization-server",
                "authorize": f"{base_url}/o/authorize/",
                "token": f"{base_url}/o/token/",
                "revoke": f"{base_url}/o/revoke_token/",
                "introspect": f"{base_url}/o/introspect/",
                "resource": f"{base_url}/api/me",
                "resource_write": f"{base_url}/api/write",
                "test_expire": f"{base_url}/test/expire",
            },
            clients={
                **CLIENTS,
                "user": {"username": USER, "password": PASSWORD},
            },
        )


if __name__ == "__main__":
    main()
