"""Command line: `python -m models build` rebuilds every model from the raw tables."""

from __future__ import annotations

import argparse
import sys

import store
from models.build import build


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models", description=__doc__)
    parser.add_argument("command", choices=["build"])
    parser.parse_args(argv)
    print(build(store.connect()).summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
