"""Spark Connect: a build on a Spark Connect server (a real one on 127.0.0.1, tests.spark_connect) gives the DuckDB
build's models on the test demo company; its workers read the posts with the company and the classifier the build
was started with, not with those of their own machine, and its sessions run with the build's settings, not the
server's; the command line reaches the server by `--master sc://...`; and a Connect URL beside another master is
refused with why, before anything runs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import store
from connectors.demo import load_demo
from data.classifier_corpus import read as corpus
from models.build import build
from models.classifier.train import brand_companies, fit, load, save
from models.classify import classify_many
from models.company import COMPANY_FILE, current_company, load_company
from models.engines.spark_build import build_on_spark
from models.engines.spark_engine import SparkEngine, connect_url, spark_session, stop_session
from tests.conftest import DEMO_AS_OF
from tests.spark_connect import start_connect_server
from tests.test_spark_engine import CLASSIFIED, COMPARED, ID_TABLES, differences


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The server, whose workers' own classifier (RAPPORT_CLASSIFIER_MODEL) is another than the build's: a model
    fitted on an eighth of the corpus."""
    folder = tmp_path_factory.mktemp("connect-server")
    save(fit(corpus()[::8], brand_companies()), folder / "their-classifier.joblib")
    found = start_connect_server(folder, {"RAPPORT_CLASSIFIER_MODEL": str(folder / "their-classifier.joblib")})
    found.their_classifier = folder / "their-classifier.joblib"
    yield found
    found.stop()


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> Path:
    """A store with the 300-customer demo company loaded and nothing built."""
    folder = tmp_path_factory.mktemp("connect-store")
    con = store.connect(folder / "loaded.duckdb")
    load_demo(con, folder / "files", as_of=DEMO_AS_OF.date(), customers=300)
    con.close()
    return folder / "loaded.duckdb"


def copy_of(loaded: Path, folder: Path, name: str) -> Path:
    shutil.copy(loaded, folder / name)
    return folder / name


def company_without_products(folder: Path) -> Path:
    """The demo company's file without its product names: posts naming a product read otherwise with it."""
    company = load_company(COMPANY_FILE)
    lines = [f"name = {json.dumps(company.name)}", f"brand_names = {json.dumps(list(company.brand_names))}",
             "[handles]", *(f"{network} = {json.dumps(list(handles))}" for network, handles in company.handles.items())]
    path = folder / "company.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_build_on_spark_connect_gives_the_duckdb_builds_models(server, loaded, tmp_path, monkeypatch):
    # the build is started with a company file the server's workers do not have (their environment has no
    # RAPPORT_COMPANY_FILE): the posts must still be read with it
    monkeypatch.setenv("RAPPORT_COMPANY_FILE", str(company_without_products(tmp_path)))
    current_company.cache_clear()
    duck = store.connect(copy_of(loaded, tmp_path, "duckdb.duckdb"))
    on_connect = store.connect(copy_of(loaded, tmp_path, "connect.duckdb"))
    try:
        build(duck, DEMO_AS_OF)
        monkeypatch.setenv("SPARK_REMOTE", server.url)  # Spark's own variable: no --master given
        session = spark_session(**{"spark.sql.shuffle.partitions": "2"})
        try:
            assert type(session).__module__.startswith("pyspark.sql.connect")  # a Connect client, not a local Spark
            build_on_spark(on_connect, SparkEngine(session, tmp_path / "work"), DEMO_AS_OF)
        finally:
            stop_session(session)
        stores = {"duckdb": duck, "spark": on_connect, "folder": tmp_path}
        for table in COMPARED + ID_TABLES + CLASSIFIED:
            assert differences(stores, table) == (0, 0), table
        # not vacuously: every kind of link, and posts the server's own company file, or its own classifier, would
        # have read otherwise
        methods = {m for (m,) in on_connect.execute("select distinct link_method from customer_sources").fetchall()}
        assert {"key", "probabilistic", "single"} <= methods
        read = on_connect.execute("""select distinct t.body, c.explanation from customer_timeline t
                                     join post_classifications c on c.text_hash = md5(t.body)
                                     where t.kind = 'social_post' and t.author_type = 'customer'""").fetchall()
        assert len(read) > 100
        texts = [body for body, _ in read]
        their_model = load(server.their_classifier)[0]
        for otherwise in (classify_many(texts, load_company(COMPANY_FILE)), classify_many(texts, model=their_model)):
            assert any(found.explanation != explanation
                       for found, (_, explanation) in zip(otherwise, read, strict=True))
    finally:
        duck.close()
        on_connect.close()
        current_company.cache_clear()


def test_the_command_line_builds_on_a_spark_connect_server(server, loaded, tmp_path):
    path = copy_of(loaded, tmp_path, "store.duckdb")
    env = {k: v for k, v in os.environ.items() if k != "SPARK_REMOTE"} | {
        "RAPPORT_DB": str(path), "RAPPORT_SPARK_PARTITIONS": "2"}
    done = subprocess.run([sys.executable, "-m", "models", "build", "--engine", "spark", "--master", server.url],
                          cwd=store.PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-4000:]
    assert done.stdout.strip().splitlines()[-1].endswith("on Spark")
    assert not list(tmp_path.glob("spark-*"))  # the scratch folder beside the store is gone
    reference = store.connect(copy_of(loaded, tmp_path, "reference.duckdb"))
    built = store.connect(path)
    try:
        build(reference, DEMO_AS_OF)
        assert differences({"duckdb": reference, "spark": built, "folder": tmp_path}, "customer_sources") == (0, 0)
        assert built.execute("select count(*) from customer_profiles").fetchall() \
            == reference.execute("select count(*) from customer_profiles").fetchall()
    finally:
        reference.close()
        built.close()


def test_a_connect_server_beside_another_master_is_refused_before_anything_runs(tmp_path, monkeypatch):
    db = tmp_path / "untouched.duckdb"
    env = {**os.environ, "RAPPORT_DB": str(db), "SPARK_REMOTE": "sc://127.0.0.1:15002"}
    done = subprocess.run([sys.executable, "-m", "models", "build", "--engine", "spark", "--master",
                           "spark://127.0.0.1:7077"], cwd=store.PROJECT_ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        "error: SPARK_REMOTE=sc://127.0.0.1:15002 names a Spark Connect server and --master spark://127.0.0.1:7077 "
        "another cluster: unset SPARK_REMOTE, or leave out --master")
    assert not db.exists()  # refused before the store was opened
    monkeypatch.setenv("SPARK_REMOTE", "sc://127.0.0.1:15002")
    with pytest.raises(ValueError, match="names a Spark Connect server"):  # and by the session, for other callers
        spark_session("local[1]")
    with pytest.raises(ValueError, match="names a Spark Connect server"):  # another Connect server too
        connect_url("sc://127.0.0.1:15003")
    assert connect_url("sc://127.0.0.1:15002") == connect_url(None) == "sc://127.0.0.1:15002"
