"""A real Spark Connect server for the tests: Spark's own server class (org.apache.spark.sql.connect.service.
SparkConnectServer, the jar pyspark ships) started with spark-submit on a port of its own on 127.0.0.1, running
Spark in local mode. Its Python workers get Rapport's code on their path and nothing else of the test's
environment (no RAPPORT_* variables, another working folder), and the server's own session settings differ from
what a build needs: a cluster knows nothing of the machine the build was started on."""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pyspark

from store import PROJECT_ROOT
from tests.pg import free_port

SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"
STARTS_WITHIN = 180  # seconds: a JVM and Spark's start on a busy 2-core machine


@dataclass
class ConnectServer:
    url: str
    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        """Stop the server and everything it started (its process group, also when the JVM itself has gone)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def server_environment(extra: dict[str, str]) -> dict[str, str]:
    """The server's: the machine's basics, Rapport's code for its Python workers, Spark on 127.0.0.1 only, and
    `extra`."""
    spark_home = str(Path(pyspark.__file__).parent)
    kept = {k: v for k, v in os.environ.items()
            if k in ("PATH", "HOME", "LANG", "LC_ALL", "JAVA_HOME", "TMPDIR", "USER")}
    return kept | {"SPARK_HOME": spark_home, "SPARK_LOCAL_IP": "127.0.0.1", "PYTHONPATH": str(PROJECT_ROOT),
                   "PYSPARK_PYTHON": sys.executable} | extra


def start_connect_server(folder: Path, environment: dict[str, str] | None = None) -> ConnectServer:
    """A Spark Connect server on 127.0.0.1 (local[2], a 2 GB driver), its working files and log in `folder`,
    `environment` added to its own. Its sessions default to another time zone than UTC and to ANSI mode: a build
    equals DuckDB's only if the client's settings reach the server."""
    port = free_port()
    log = folder / "connect-server.log"
    spark_home = Path(pyspark.__file__).parent
    command = [str(spark_home / "bin" / "spark-submit"), "--class", SERVER_CLASS, "--name", "rapport-test-connect",
               "--master", "local[2]", "--driver-memory", "2g",
               "--conf", "spark.connect.grpc.binding.address=127.0.0.1",
               "--conf", f"spark.connect.grpc.binding.port={port}",
               "--conf", "spark.ui.enabled=false",
               "--conf", "spark.sql.session.timeZone=Pacific/Chatham", "--conf", "spark.sql.ansi.enabled=true",
               "--conf", f"spark.local.dir={folder / 'local'}"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=folder, env=server_environment(environment or {}), stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    server = ConnectServer(f"sc://127.0.0.1:{port}", process, log)
    atexit.register(server.stop)  # a test run stopped half-way leaves no server behind
    deadline = time.monotonic() + STARTS_WITHIN
    while not listening(port):
        if process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"the Spark Connect server did not start; its log:\n{log.read_text()[-4000:]}")
        time.sleep(1)
    return server


def listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0
