"""A real dashboard (`streamlit run` on 127.0.0.1) over a copy of the demo store, and a real Chromium to drive it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
import requests
from playwright.sync_api import sync_playwright

PROJECT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("RAPPORT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
SCREENSHOTS = PROJECT / "docs" / "screenshots"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_healthy(url: str, process: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}")
        try:
            if requests.get(f"{url}/_stcore/health", timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"streamlit did not answer at {url} within {seconds} s")


def start_dashboard(store_file: Path, port: int, log_path: Path, *, extra_args: Sequence[str] = (),
                    extra_env: Mapping[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    """`streamlit run app.py` on 127.0.0.1 over `store_file`; returns the process and its URL once healthy.

    `extra_args` go to `streamlit run` (e.g. `--secrets.files=/tmp/x/secrets.toml`), `extra_env` to its environment."""
    env = {**os.environ, "RAPPORT_DB": str(store_file), **(extra_env or {})}
    log = log_path.open("w")
    process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
                                "--server.port", str(port), "--server.headless", "true",
                                "--server.fileWatcherType", "none", *extra_args],
                               cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process)
    except Exception:
        stop_dashboard(process)
        raise
    return process, url


def stop_dashboard(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def dashboard(demo_store, tmp_path_factory):
    """The dashboard's URL, served by `streamlit run` from its own copy of the demo store."""
    folder = tmp_path_factory.mktemp("e2e")
    store_file = folder / "e2e.duckdb"
    shutil.copy(demo_store, store_file)
    process, url = start_dashboard(store_file, free_port(), folder / "streamlit.log")
    yield url
    stop_dashboard(process)


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    yield context.new_page()
    context.close()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory) -> Path:
    """docs/screenshots when RAPPORT_UPDATE_SCREENSHOTS=1 (to refresh the README's pictures), else a temp dir."""
    if os.environ.get("RAPPORT_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return SCREENSHOTS
    return tmp_path_factory.mktemp("screenshots")
