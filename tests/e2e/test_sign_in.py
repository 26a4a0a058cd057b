"""A real sign-in end to end: oidc-provider-mock on 127.0.0.1 as the company's OpenID Connect provider, the dashboard
configured for it through a secrets file the test writes (never the repo's .streamlit/), and Chromium signing in,
reading a profile and signing out."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from playwright.sync_api import Page, expect

from store import PROJECT_ROOT
from tests.e2e.conftest import free_port, start_dashboard, stop_dashboard
from tests.e2e.test_browser import RENDER_TIMEOUT, rich_customer, settle

pytestmark = pytest.mark.e2e

AGENT_EMAIL = "ana.agent@fernwood.example"
SIGN_IN_PROMPT = "Sign in with your company account to see customers."


def start_provider(port: int, log_path: Path, seconds: float = 30) -> tuple[subprocess.Popen, str]:
    """`python -m oidc_provider_mock` on 127.0.0.1:`port` (any client id and secret accepted); returns it once its
    discovery document answers."""
    log = log_path.open("w")
    process = subprocess.Popen([sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1",
                                "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    issuer = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"oidc-provider-mock exited with {process.returncode}: {log_path.read_text()}")
        try:
            if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=2).ok:
                return process, issuer
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    stop_dashboard(process)
    raise TimeoutError(f"oidc-provider-mock did not answer at {issuer} within {seconds} s")


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    """The mock identity provider's issuer URL, with the support agent's claims (email and name) registered."""
    folder = tmp_path_factory.mktemp("oidc")
    process, issuer = start_provider(free_port(), folder / "oidc-provider-mock.log")
    try:
        claims = {"email": AGENT_EMAIL, "email_verified": True, "name": "Ana Agent"}
        response = requests.put(f"{issuer}/users/{quote(AGENT_EMAIL)}", json=claims, timeout=5)
        assert response.status_code == 204, response.text
        yield issuer
    finally:
        stop_dashboard(process)


@pytest.fixture(scope="module")
def signed_dashboard(provider, demo_store, tmp_path_factory):
    """A dashboard that requires sign-in with `provider`: [auth] in a secrets file of its own, and a roles file
    (RAPPORT_ROLES) making the test user a support agent."""
    folder = tmp_path_factory.mktemp("e2e-sign-in")
    store_file = folder / "sign-in.duckdb"
    shutil.copy(demo_store, store_file)
    port = free_port()
    secrets = folder / "secrets.toml"
    secrets.write_text(f"""[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "e2e-sign-in-cookie-secret-not-for-production"
client_id = "rapport"
client_secret = "rapport-e2e-secret"
server_metadata_url = "{provider}/.well-known/openid-configuration"
""")
    roles = folder / "roles.toml"
    shipped = (PROJECT_ROOT / "config" / "roles.toml").read_text()  # the shipped roles, one person given one
    roles.write_text(f'[people]\n{json.dumps(AGENT_EMAIL)} = ["support"]\n\n' + shipped[shipped.index("[roles."):])
    process, url = start_dashboard(store_file, port, folder / "streamlit.log",
                                   extra_args=[f"--secrets.files={secrets}"],
                                   extra_env={"RAPPORT_ROLES": str(roles)})
    yield url
    stop_dashboard(process)


def expect_sign_in_page(page: Page, name: str) -> None:
    """The sign-in prompt, and nothing behind it: no customer name, no talking points, no role selector."""
    expect(page.get_by_text(SIGN_IN_PROMPT)).to_be_visible(timeout=RENDER_TIMEOUT)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    settle(page)
    expect(page.get_by_text(name, exact=True)).to_have_count(0)
    expect(page.get_by_text("Talking points")).to_have_count(0)
    expect(page.get_by_text("Signed in as")).to_have_count(0)
    expect(page.get_by_label("Your role")).to_have_count(0)
    expect(page.get_by_role("link", name="Customer")).to_have_count(0)  # no page list before sign-in


def test_sign_in_open_a_profile_and_sign_out(page: Page, signed_dashboard, provider, demo_store, record_property):
    customer_id, name = rich_customer(demo_store)
    deep_link = f"{signed_dashboard}/?customer={customer_id}"
    started = time.perf_counter()

    page.goto(deep_link)
    expect_sign_in_page(page, name)
    # Another page's link, opened first, goes through the frame and stops at the same prompt.
    page.goto(f"{signed_dashboard}/leadership")
    expect_sign_in_page(page, name)
    expect(page.locator(".js-plotly-plot")).to_have_count(0)
    expect(page.get_by_role("heading", name="Leadership")).to_have_count(0)

    page.goto(deep_link)
    expect_sign_in_page(page, name)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{provider}/oauth2/authorize**", timeout=RENDER_TIMEOUT)
    expect(page.get_by_role("heading", name="Authorize Client")).to_be_visible()
    expect(page.get_by_text("rapport", exact=True)).to_be_visible()  # the client id the dashboard sent
    page.get_by_placeholder("sub").fill(AGENT_EMAIL)
    page.get_by_role("button", name="Authorize").click()

    # Streamlit's callback sets the auth cookie and redirects to the app's root, not back to the deep link.
    page.wait_for_url(f"{signed_dashboard}/", timeout=RENDER_TIMEOUT)
    expect(page.get_by_text(f"Signed in as {AGENT_EMAIL}")).to_be_visible(timeout=RENDER_TIMEOUT)
    expect(page.get_by_text(SIGN_IN_PROMPT)).to_have_count(0)
    signed_in = time.perf_counter()

    page.goto(deep_link)
    expect(page.get_by_text("Talking points")).to_be_visible(timeout=RENDER_TIMEOUT)
    expect(page.get_by_text(f"Signed in as {AGENT_EMAIL}")).to_be_visible(timeout=RENDER_TIMEOUT)
    settle(page)
    expect(page.get_by_text(name, exact=True).first).to_be_visible()
    expect(page.get_by_text("No sign-in configured")).to_have_count(0)
    assert f"customer={customer_id}" in page.url
    # a support agent's navigation has no Leadership page, and its URL typed in shows none of it
    expect(page.get_by_role("link", name="Social inbox")).to_be_visible()
    expect(page.get_by_role("link", name="Leadership")).to_have_count(0)
    page.goto(f"{signed_dashboard}/leadership")
    expect(page.get_by_text(f"Signed in as {AGENT_EMAIL}")).to_be_visible(timeout=RENDER_TIMEOUT)
    settle(page)
    expect(page.get_by_role("heading", name="Leadership")).to_have_count(0)
    expect(page.locator(".js-plotly-plot")).to_have_count(0)
    dialog = page.get_by_role("dialog")  # Streamlit says the page is not there (for this person) and shows theirs
    expect(dialog).to_contain_text("not found")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)

    page.get_by_role("button", name="Sign out").click()
    # The provider announces an end_session_endpoint, so Streamlit clears its cookie and sends the browser there;
    # ending the session returns to the dashboard (via /oauth2callback, which redirects to the root).
    page.wait_for_url(f"{provider}/oauth2/end_session**", timeout=RENDER_TIMEOUT)
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(f"{signed_dashboard}/", timeout=RENDER_TIMEOUT)
    expect_sign_in_page(page, name)

    # Signed out for good: the deep link asks for sign-in again instead of showing the profile.
    page.goto(deep_link)
    expect_sign_in_page(page, name)
    cookies = {c["name"] for c in page.context.cookies(signed_dashboard)}
    assert not any(c.startswith("_streamlit_user") for c in cookies), cookies

    elapsed = time.perf_counter() - started
    record_property("sign_in_seconds", round(signed_in - started, 2))
    record_property("sign_in_flow_seconds", round(elapsed, 2))
    print(f"\nsigned in after {signed_in - started:.2f} s; whole flow {elapsed:.2f} s")


def test_an_account_whose_email_the_provider_did_not_verify_gets_no_role(page: Page, provider, signed_dashboard,
                                                                         demo_store):
    """Someone registers the agent's address at the provider without proving it is theirs: they see nothing."""
    impostor = "impostor-account"
    claims = {"email": AGENT_EMAIL, "email_verified": False, "name": "Not Ana"}
    response = requests.put(f"{provider}/users/{quote(impostor)}", json=claims, timeout=5)
    assert response.status_code == 204, response.text
    customer_id, name = rich_customer(demo_store)
    page.goto(signed_dashboard)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{provider}/oauth2/authorize**", timeout=RENDER_TIMEOUT)
    page.get_by_placeholder("sub").fill(impostor)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{signed_dashboard}/", timeout=RENDER_TIMEOUT)
    expect(page.get_by_text("No access yet")).to_be_visible(timeout=RENDER_TIMEOUT)
    expect(page.get_by_text(f"has not verified the email address {AGENT_EMAIL}")).to_be_visible()
    page.goto(f"{signed_dashboard}/?customer={customer_id}")
    expect(page.get_by_text("No access yet")).to_be_visible(timeout=RENDER_TIMEOUT)
    settle(page)
    expect(page.get_by_text(name, exact=True)).to_have_count(0)
    expect(page.get_by_label("Your role")).to_have_count(0)
