"""``python -m oauthcore``: the command-line interface (see :mod:`oauthcore._cli`)."""

from __future__ import annotations

import sys

from ._cli import main

sys.exit(main())
