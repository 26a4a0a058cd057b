"""Safe defaults: without sign-in the dashboard serves only this computer unless told otherwise, and a secrets
file that cannot be used stops it instead of opening it to everyone (AppTest; the real server's bind address is
checked in tests/e2e/test_defaults.py)."""

from __future__ import annotations

import pytest
from streamlit import config

from tests.viewers import open_app


@pytest.fixture
def setting():
    """Set Streamlit options for one test as a settings file would, and put them back afterwards."""
    saved = {}

    def set_to(key: str, value) -> None:
        saved.setdefault(key, (config.get_option(key), config.get_where_defined(key)))
        config.set_option(key, value, where_defined="test settings")

    yield set_to
    for key, (value, where) in saved.items():
        config.set_option(key, value, where_defined=where)
        assert config.get_where_defined(key) == where


def shown(at) -> str:
    return " ".join(str(e.value) for e in [*at.error, *at.warning, *at.markdown, *at.text, *at.title])


def test_the_shipped_settings_listen_on_this_computer_only_and_say_so(app_store):
    assert config.get_option("server.address") == "127.0.0.1"
    at = open_app()
    assert "only people using this computer can open it" in shown(at)
    assert at.text_input and at.text_input[0].label == "Find a customer"


def test_other_addresses_without_sign_in_are_refused_unless_allowed(app_store, setting, monkeypatch):
    setting("server.address", "0.0.0.0")
    at = open_app()
    assert "will not serve without sign-in on 0.0.0.0" in shown(at)
    assert not at.text_input and not at.dataframe
    monkeypatch.setenv("RAPPORT_OPEN_ACCESS", "1")
    at = open_app()
    assert "anyone who can reach 0.0.0.0 can open it" in shown(at)
    assert at.text_input[0].label == "Find a customer"


def test_a_named_secrets_file_that_is_missing_stops_the_app(app_store, setting, tmp_path):
    setting("secrets.files", [str(tmp_path / "secrets.toml")])
    at = open_app()
    assert "will not start" in shown(at) and "does not exist" in shown(at)
    assert not at.text_input and not at.dataframe


def test_a_secrets_file_that_cannot_be_read_stops_the_app(app_store, setting, tmp_path):
    broken = tmp_path / "secrets.toml"
    broken.write_text('[auth]\nredirect_uri = "http://127.0.0.1:8501/oauth2callback\n')  # unterminated string
    setting("secrets.files", [str(broken)])
    at = open_app()
    assert "will not start" in shown(at) and "cannot be read" in shown(at)
    assert not at.text_input and not at.dataframe
