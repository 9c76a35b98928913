"""``python -m mathreward``: the same command line as the ``mathreward`` script."""

import sys

from mathreward.cli import main

sys.exit(main())
