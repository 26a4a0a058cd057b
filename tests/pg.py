"""A real PostgreSQL server for the tests: one throw-away cluster per test session (initdb in a temp folder, its own
port on 127.0.0.1, never a system service) and a fresh database per test. PostgreSQL refuses to run as root, so
as root the cluster runs as a system user of its own (`rapport-pg`, created if missing)."""

from __future__ import annotations

import getpass
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_USER = "rapport-pg"


class PostgresMissing(RuntimeError):
    """The PostgreSQL server binaries are not installed."""


def server_binaries() -> Path:
    """The folder with initdb and pg_ctl: Debian's newest /usr/lib/postgresql/N/bin, else the PATH's."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise PostgresMissing("PostgreSQL's server binaries (initdb, pg_ctl) are not installed: run "
                          "`apt-get install -y postgresql` (bash scripts/test does it for you)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_as() -> str | None:
    """The user the server runs as: this one, or as root a system user of its own."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(PG_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", PG_USER],
                       check=True)
    return PG_USER


@dataclass
class Cluster:
    """A running throw-away cluster; `url(name)` is a database's connection URL."""

    folder: Path
    port: int
    user: str
    bin: Path
    os_user: str | None

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def command(self, *args: str) -> list[str]:
        return (["runuser", "-u", self.os_user, "--"] if self.os_user else []) + list(args)

    def create_database(self) -> str:
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as con:
            con.execute(f'create database "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as con:
            con.execute(f'drop database if exists "{name}" with (force)')

    def stop(self) -> None:
        subprocess.run(self.command(str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate",
                                    "-w", "stop"), capture_output=True)


def start_cluster(folder: Path) -> Cluster:
    """initdb a cluster in `folder` and start it on 127.0.0.1 at a free port (trust auth: only this host)."""
    binaries, os_user = server_binaries(), run_as()
    folder.mkdir(parents=True, exist_ok=True)
    if os_user:
        shutil.chown(folder, os_user)
        os.chmod(folder, 0o700)
    user = os_user or getpass.getuser()
    cluster = Cluster(folder, free_port(), user, binaries, os_user)
    data = folder / "data"
    run(cluster.command(str(binaries / "initdb"), "-D", str(data), "-U", user, "--auth=trust", "-E", "UTF8",
                        "--no-sync"))
    options = f"-h 127.0.0.1 -p {cluster.port} -k {folder} -c fsync=off -c full_page_writes=off"
    run(cluster.command(str(binaries / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-o", options,
                        "-w", "start"))
    return cluster


def run(command: list[str]) -> None:
    """Run a server command; a failure names the command and what it printed."""
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} failed: {(done.stderr or done.stdout).strip()[-800:]}")


@pytest.fixture(scope="session")
def pg_cluster():
    """One PostgreSQL server for the session, stopped at its end."""
    # not under pytest's temp folder: as root that is private to root, and the server runs as another user
    folder = Path(tempfile.mkdtemp(prefix="rapport-pg-"))
    cluster = start_cluster(folder)
    yield cluster
    cluster.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg_url(pg_cluster):
    """A fresh, empty database for one test; its URL."""
    name = pg_cluster.create_database()
    yield pg_cluster.url(name)
    pg_cluster.drop_database(name)
