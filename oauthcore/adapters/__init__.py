"""Adapters binding the sans-IO core to HTTP clients (requests, urllib3, aiohttp, httpx).

Each adapter module imports its HTTP client; nothing here is imported by ``oauthcore`` itself.
"""

from __future__ import annotations
