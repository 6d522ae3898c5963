"""Interop tests: oauthcore against real OAuth providers on 127.0.0.1."""
