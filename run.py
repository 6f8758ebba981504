#!/usr/bin/env python3
"""Start the posecheck live coaching app (the same as ``posecheck live``)."""

import sys

from posecheck.cli import main

if __name__ == "__main__":
    sys.exit(main(["live", *sys.argv[1:]]))
