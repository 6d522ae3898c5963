"""Tests of ``oauthcore.testing``, the loopback provider."""
