"""The README's `streamlit run app.py`, as typed (no address given): the real server listens on 127.0.0.1 only, and
the page says who can reach it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PROJECT, free_port, stop_dashboard, wait_until_healthy
from tests.e2e.person import RENDER_TIMEOUT, settle

pytestmark = pytest.mark.e2e


def listening_addresses(port: int) -> set[str]:
    """The local addresses with a socket listening on `port`, from the kernel's tables (Linux)."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port and len(address) == width:
                found.add(address)
    return found


def test_the_readme_command_listens_on_this_computer_only(page: Page, demo_store, tmp_path):
    store_file = tmp_path / "store.duckdb"
    shutil.copy(demo_store, store_file)
    port = free_port()
    log = (tmp_path / "streamlit.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                                "--server.fileWatcherType", "none"], cwd=PROJECT,
                               env={**os.environ, "RAPPORT_DB": str(store_file)}, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}", process)
        assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1, and nothing on other interfaces
        page.goto(f"http://127.0.0.1:{port}")
        settle(page)
        expect(page.get_by_text("only people using this computer can open it")).to_be_visible(
            timeout=RENDER_TIMEOUT)
    finally:
        stop_dashboard(process)
