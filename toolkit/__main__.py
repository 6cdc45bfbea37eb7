"""``python -m toolkit``: the ``toolkit`` command (see :mod:`toolkit.cli`)."""

import sys

from toolkit.cli import main

sys.exit(main())
