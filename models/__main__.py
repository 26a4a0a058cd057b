"""Command line: `python -m models build`; data-subject requests `export ID --out FILE` and `erase ID`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import store
from models.build import build


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    commands.add_parser("build", help="rebuild every model from the raw tables").set_defaults(run=run_build)
    export = commands.add_parser("export", help="everything held about one customer, as a zip of JSON and CSV")
    export.add_argument("customer_id", type=int)
    export.add_argument("--out", type=Path, required=True, help="the zip file to write")
    export.add_argument("--by", required=True, help="who asks (recorded in the audit log)")
    export.set_defaults(run=run_export)
    erase = commands.add_parser("erase", help="erase one customer everywhere and keep them from coming back")
    erase.add_argument("customer_id", type=int)
    erase.add_argument("--by", required=True, help="who erases (recorded in the audit log)")
    erase.add_argument("--reason", required=True, help="why, without personal details (e.g. the request number)")
    erase.set_defaults(run=run_erase)
    args = parser.parse_args(argv)
    return args.run(args)


def run_build(args: argparse.Namespace) -> int:
    print(build(store.connect()).summary())
    return 0


def run_export(args: argparse.Namespace) -> int:
    from models.privacy import PrivacyError, export_customer

    try:
        args.out.write_bytes(export_customer(store.connect(), args.customer_id, args.by))
    except PrivacyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {args.out}")
    return 0


def run_erase(args: argparse.Namespace) -> int:
    from models.privacy import PrivacyError, erase_and_rewrite

    try:
        report = erase_and_rewrite(store.db_path(), args.customer_id, args.by, args.reason)
    except PrivacyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
