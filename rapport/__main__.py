"""Command line: `python -m rapport worker` — the worker of the deployment with dashboard replicas (needs
RAPPORT_DATABASE_URL; the store is RAPPORT_DB, its snapshots beside it or in RAPPORT_SNAPSHOTS;
RAPPORT_SYNC_MINUTES syncs the API sources on a schedule)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys

from store import operational


def sync_every() -> float | None:
    """RAPPORT_SYNC_MINUTES in seconds (unset, zero or unreadable: no scheduled sync)."""
    try:
        minutes = float(os.environ.get("RAPPORT_SYNC_MINUTES", "").strip() or 0)
    except ValueError:
        return None
    return minutes * 60 if minutes > 0 else None


def main(argv: list[str] | None = None) -> int:
    top = argparse.ArgumentParser(prog="python -m rapport", description=__doc__)
    commands = top.add_subparsers(required=True, dest="command", metavar="COMMAND")
    commands.add_parser("worker", help="own the store: run queued work, publish snapshots for the replicas")
    top.parse_args(argv)
    if not operational.is_shared():
        print("error: the worker needs RAPPORT_DATABASE_URL=postgresql://… (the queue and the operational state "
              "live there); without it, `streamlit run app.py` alone is the whole deployment", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # stopped by a service manager: leave through the loop's `finally`, closing the store cleanly
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    from rapport.worker import run_forever

    run_forever(sync_every())
    return 0


if __name__ == "__main__":
    sys.exit(main())
