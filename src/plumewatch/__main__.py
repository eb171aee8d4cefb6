"""`python -m plumewatch` runs the command line."""

import sys

from plumewatch.cli import main

sys.exit(main())
