"""``python -m nkclaims``: the same command line as the ``nkclaims`` script."""
from __future__ import annotations

import sys

from nkclaims.cli import main

if __name__ == "__main__":
    sys.exit(main())
