"""The README's example runs as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_example_runs() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text("utf-8"), re.DOTALL)
    namespace: dict[str, object] = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)  # noqa: S102 (our own README)
    signed = namespace["signed"]
    header = signed.header("Authorization")  # type: ignore[attr-defined]  # a Request
    assert header.startswith('OAuth oauth_consumer_key="dpf43f3p2l4k3l03", ')
    assert "oauth_signature=" in header


def test_readme_names_the_two_commands() -> None:
    text = README.read_text("utf-8")
    assert "make demo" in text
    assert "make test" in text


def test_readme_oauth2_example_runs() -> None:
    import json

    from oauthcore.http import Request, Response

    blocks = re.findall(r"```python\n(.*?)```", README.read_text("utf-8"), re.DOTALL)
    block = next(b for b in blocks if "build_authorization_url" in b)
    before, _, after = block.partition("# redirect the user")
    namespace: dict[str, object] = {}
    exec(compile(before, "README.md", "exec"), namespace)  # noqa: S102 (our own README)
    pending = namespace["pending"]
    state = pending.state  # type: ignore[attr-defined]  # a PendingAuthorization
    namespace["callback_url"] = f"https://app.example/cb?code=c0de&state={state}"

    def send(request: Request) -> Response:
        assert b"code_verifier=" in request.body
        body = {"access_token": "at", "token_type": "Bearer", "expires_in": 60}
        return Response(
            status=200,
            headers=(("Content-Type", "application/json"),),
            body=json.dumps(body).encode(),
        )

    namespace["send"] = send
    exec(compile("#" + after, "README.md", "exec"), namespace)  # noqa: S102 (our own README)
    assert namespace["token"].access_token == "at"  # type: ignore[attr-defined]  # a Token


def test_readme_httpx_example_signs_a_real_request() -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent / "adapters"))
    from loopback import LoopbackServer, Reply

    from oauthcore.oauth1 import Consumer, NonceCache, verify_request

    blocks = re.findall(r"```python\n(.*?)```", README.read_text("utf-8"), re.DOTALL)
    first = blocks[0]
    block = next(b for b in blocks if "oauthcore.adapters.httpx" in b)
    with LoopbackServer(lambda _: Reply.json({"ok": True})) as server:
        namespace: dict[str, object] = {"api_url": server.url("/photos")}
        exec(compile(first + block, "README.md", "exec"), namespace)  # noqa: S102
        (received,) = server.requests
    assert received.query == {"page": "2"}
    verified = verify_request(
        received.core(),
        get_consumer={
            "dpf43f3p2l4k3l03": Consumer(key="dpf43f3p2l4k3l03", secret="kd94hf93k423kf44")
        }.get,
        get_token_secret=lambda _, token: (
            "pfkkdhi9sl3r4s00" if token == "nnch734d00sl2jdk" else None
        ),
        check_nonce=NonceCache(),
    )
    assert verified.token == "nnch734d00sl2jdk"
    assert verified.consumer.key == "dpf43f3p2l4k3l03"
