"""``python -m argus_rs.cli`` = the ``argus-rs`` command."""

import sys

from argus_rs.cli import main

sys.exit(main())
