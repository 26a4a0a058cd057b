"""`python -m rapport COMMAND`: the command line (rapport/cli.py)."""

import sys

from rapport.cli import main

if __name__ == "__main__":
    sys.exit(main())
