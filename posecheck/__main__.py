"""``python -m posecheck``."""

import sys

from posecheck.cli import main

sys.exit(main())
