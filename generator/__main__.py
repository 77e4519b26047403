"""Allow `python -m generator ...` to work like the `newsgen` command."""

import sys

from generator.cli import main

sys.exit(main())
