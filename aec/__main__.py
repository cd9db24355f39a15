"""``python -m aec``: the same command as ``aec`` (aec/cli.py)."""

import sys

from aec.cli import main

sys.exit(main())
