"""Command line: `python -m models build`; `train-classifier` (the post classifier, from the shipped corpus; with
`--company`, the company's own, with the store's staff corrections, beside the store);
data-subject requests `export ID --out FILE` and `erase ID`.

While the dashboard has the store open (DuckDB admits one writing process), each is handed over to it, as a
`rapport load` is (see connectors/jobs.py): the command says so, waits, and prints the result."""

from __future__ import annotations

import argparse
import shutil
import sys
import uuid
from pathlib import Path

import store
from connectors.jobs import hand_over, handed_over, jobs_dir, open_store_or_none


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    build = commands.add_parser("build", help="rebuild every model from the raw tables")
    build.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb",
                       help="where the models run: inside the store (default), or on Spark for data that outgrows "
                            "one machine")
    build.add_argument("--master", help="the Spark master URL (default local[*]): spark://host:7077, yarn, "
                                        "k8s://..., or a Spark Connect server's sc://host:15002 (or SPARK_REMOTE)")
    build.add_argument("--workdir", type=Path,
                       help="where Spark keeps the tables as Parquet (default: a folder beside the store, removed "
                            "after the build); on a cluster, a path every executor reaches")
    build.set_defaults(run=run_build)
    train = commands.add_parser("train-identity", help="estimate splink's m/u on the store's identity candidates "
                                                       "and write them to models/identity/parameters.json")
    train.add_argument("--note", default="", help="what the candidates are (written into the file)")
    train.set_defaults(run=run_train_identity)
    train = commands.add_parser("train-classifier", help="fit the post classifier on the shipped corpus (seeded)")
    train.add_argument("--out", type=Path, help="where to write the model (default: the shipped model file; with "
                                                "--company, classifier.joblib beside the store)")
    train.add_argument("--company", action="store_true",
                       help="the company's own model: the corpus and the store's staff corrections (the shipped "
                            "model stays as it is); the models are then rebuilt with it")
    train.set_defaults(run=run_train_classifier)
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
    if args.engine == "spark":
        from models.engines.spark_engine import connect_url

        try:
            connect_url(args.master)  # a contradiction between --master and SPARK_REMOTE, said before anything runs
        except ValueError as problem:
            print(f"error: {problem}", file=sys.stderr)
            return 1
    con = open_store_or_none()
    if con is None and args.engine == "spark":
        print("error: the store is in use; stop the dashboard to build on Spark", file=sys.stderr)
        return 1
    if con is None:
        return hand_over({"command": "build"})
    # the command line orchestrates: the progress display is the connectors', the build only names its steps
    from connectors.progress import Reporter, console
    from models.build import build  # here: importing it loads the classifier, which train-classifier may not have

    reporter = Reporter(console())
    reporter.start("build")
    failed = None
    try:
        if args.engine == "spark":
            summary = build_with_spark(con, args, reporter.step)
        else:
            summary = build(con, step=reporter.step).summary()
    except Exception as error:
        if (memory := memory_error(error)) is None:
            raise
        failed = out_of_memory(con, error, memory, args.engine)
    finally:
        reporter.finish()  # the progress line ends before the summary or the error is said
    if failed is not None:
        print(failed, file=sys.stderr)
        return 1
    print(summary)
    return 0


def memory_error(error: BaseException | None) -> BaseException | None:
    """DuckDB's out-of-memory error when it is `error` or what `error` was raised from (splink wraps the errors it
    meets); None for any other error, or one met while cleaning up after it (that one is shown as it is)."""
    while error is not None and not isinstance(error, store.OutOfMemory):
        error = error.__cause__
    return error


def out_of_memory(con, error: BaseException, memory: BaseException, engine: str) -> str:
    """What a person does about a build that needed more memory than DuckDB may take: where it stopped, the
    limit, and the two ways on (the failed build left the store as it was)."""
    notes = getattr(error, "__notes__", []) + (getattr(memory, "__notes__", []) if memory is not error else [])
    where = "; ".join(reversed(notes)) or "a step the error does not name"  # the step first, then its model
    limit = con.execute("select current_setting('memory_limit')").fetchall()[0][0]
    spark = "" if engine == "spark" else ", or build on Spark (python -m models build --engine spark)"
    return (f"error: the build ran out of memory ({where}) under DuckDB's limit of {limit}; the store is as it "
            f"was. Give DuckDB more (RAPPORT_MEMORY_LIMIT, on a machine that has it){spark}. DuckDB said: "
            f"{str(memory).splitlines()[0]}")


def build_with_spark(con, args: argparse.Namespace, step) -> str:
    """A full build on Spark (models.engines.spark_build), its tables under --workdir or a scratch folder."""
    import tempfile

    from models.engines.spark_build import build_on_spark
    from models.engines.spark_engine import SparkEngine, spark_session, stop_session

    scratch = None if args.workdir else tempfile.mkdtemp(prefix="spark-", dir=store.db_path().parent)
    session = spark_session(args.master)
    try:
        report = build_on_spark(con, SparkEngine(session, args.workdir or Path(scratch)), step=step)
    finally:
        stop_session(session)
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    return f"{report.summary()} on Spark"


def run_train_identity(args: argparse.Namespace) -> int:
    from models.identity.train import train, write

    con = open_store_or_none()
    if con is None:
        print("error: the store is in use; stop the dashboard to train", file=sys.stderr)
        return 1
    write(train(con, note=args.note))
    print("wrote models/identity/parameters.json; rebuild the models to use it")
    return 0


def run_train_classifier(args: argparse.Namespace) -> int:
    from models.classifier.train import SHIPPED_MODEL, train_on_corpus

    if args.company:
        return run_train_company(args)

    out = args.out or SHIPPED_MODEL
    print(f"wrote {out} (model {train_on_corpus(out)})")
    return 0


def run_train_company(args: argparse.Namespace) -> int:
    """The company's model from the corpus and the store's corrections, then a refresh (a full build: every post is
    read by the new model). With --out, only the file is written."""
    con = open_store_or_none()
    if con is None:
        if args.out:
            print("error: the store is in use; stop the dashboard to write the model elsewhere", file=sys.stderr)
            return 1
        return hand_over({"command": "train-classifier"})
    from models.classifier.retrain import retrain_now

    print(retrain_now(con, args.out))
    return 0


def run_export(args: argparse.Namespace) -> int:
    from models.privacy import PrivacyError, export_customer

    con = open_store_or_none()
    if con is None:
        return hand_over_export(args)
    try:
        args.out.write_bytes(export_customer(con, args.customer_id, args.by))
    except PrivacyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {args.out}")
    return 0


def hand_over_export(args: argparse.Namespace) -> int:
    """The dashboard writes the zip into its jobs folder (it writes nowhere else for the command line); this
    command then moves it to --out, so the file belongs to whoever ran the command."""
    file_name = f"export-{uuid.uuid4().hex}.zip"
    result = handed_over({"command": "export", "customer_id": args.customer_id, "by": args.by, "file": file_name})
    if result is None:
        return 1
    shutil.move(jobs_dir(store.db_path()) / file_name, args.out)
    print(f"wrote {args.out}")
    return 0


def run_erase(args: argparse.Namespace) -> int:
    from models.privacy import PrivacyError, erase_and_rewrite

    con = open_store_or_none()
    if con is None:
        return hand_over({"command": "erase", "customer_id": args.customer_id, "by": args.by,
                          "reason": args.reason})
    con.close()  # the erasure opens the store itself, and rewrites the file once it has closed it
    try:
        report = erase_and_rewrite(store.db_path(), args.customer_id, args.by, args.reason)
    except PrivacyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
