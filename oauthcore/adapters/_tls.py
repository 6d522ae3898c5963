"""TLS-verification checks every adapter applies (checklist C9), written once.

Verification is on by default; ``insecure_skip_tls_verify=True`` is the only way to turn it
off, and doing so is logged at WARNING on the adapter's own logger. Imports no HTTP client.
"""

from __future__ import annotations

import logging
import ssl

from ..errors import ConfigurationError

__all__ = ["check_ssl_context", "warn_insecure"]


def check_ssl_context(context: ssl.SSLContext | None) -> None:
    """Refuse a caller's ``ssl_context`` (for a private CA, say) that does not verify both the
    certificate and the host name; None (the client's default context) passes."""
    if context is not None and not (
        context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    ):
        raise ConfigurationError(
            "ssl_context must verify certificates and host names; "
            "insecure_skip_tls_verify=True is the only way to turn that off (C9)"
        )


def warn_insecure(logger: logging.Logger, what: str) -> None:
    """Log at WARNING that ``what`` (a pool, a session, a flow...) skips TLS verification."""
    logger.warning(
        "TLS certificate verification is disabled for this %s (insecure_skip_tls_verify=True)",
        what,
    )
