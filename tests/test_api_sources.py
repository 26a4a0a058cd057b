"""The sources file: the shipped example, defaults, and errors that name the file, the source and the setting."""

from __future__ import annotations

import pytest

from connectors.api.sources import SourcesError, load_sources, select, sources_path
from store import PROJECT_ROOT
from tests.api_fixtures.helpers import configured

ZENDESK = '[sources.zendesk]\nconnector = "zendesk"\nbase_url = "https://x.zendesk.com"\ntoken_env = "ZENDESK_TOKEN"\n'


def test_the_example_file_configures_the_three_apis_and_a_generic_one():
    sources = load_sources(PROJECT_ROOT / "sources.example.toml")
    assert [(s.name, s.connector) for s in sources] == [
        ("zendesk", "zendesk"), ("shopify", "shopify"), ("mastodon", "mastodon"), ("crm", "rest")]
    assert sources[0].policy.retries == 5 and sources[0].settings["per_page"] == 1000
    assert sources[3].settings["mapping"].fields["email"].columns == ("properties.email",)


def test_an_absent_file_is_no_sources(tmp_path, monkeypatch):
    monkeypatch.setenv("RAPPORT_SOURCES", str(tmp_path / "nowhere.toml"))
    assert sources_path() == tmp_path / "nowhere.toml"
    assert load_sources() == []


def test_defaults_apply_unless_a_source_overrides_them(tmp_path):
    [source] = configured(tmp_path, ZENDESK + "retries = 1\n", defaults="[defaults]\nretries = 9\ntimeout = 2\n")
    assert (source.policy.retries, source.policy.timeout, source.policy.backoff) == (1, 2.0, 1.0)


@pytest.mark.parametrize(("text", "message"), [
    ('[sources.zendesk]\nconnector = "zendsk"\n', "source 'zendesk': setting 'connector' must be one of zendesk"),
    ('[sources.zendesk]\nconnector = "zendesk"\nbase_url = "https://x"\n', "missing required setting 'token_env'"),
    (ZENDESK + "per_page = \"many\"\n", "setting 'per_page' must be a whole number, not 'many'"),
    (ZENDESK + "retries = true\n", "setting 'retries' must be a whole number"),
    (ZENDESK + "tokenenv = \"X\"\n", "unknown setting 'tokenenv' for connector 'zendesk'"),
    (ZENDESK + "token = \"abc123\"\n", "secrets do not go in this file; put it in an environment variable"),
    (ZENDESK.replace('"ZENDESK_TOKEN"', '"my token"'), "'my token' is not a variable name"),
    (ZENDESK.replace("[sources.zendesk]", "[sources.Zendesk]"), "source 'Zendesk': a source name is lower-case"),
    (ZENDESK + "start_time = \"last tuesday\"\n", "setting 'start_time' must be a date"),
    ('[sources.m]\nconnector = "mastodon"\nbase_url = "https://m.example"\naccount = "me"\n',
     "set 'hashtags' or 'mentions = true'"),
    ('[sources.c]\nconnector = "rest"\nkind = "contacts"\nurl = "https://a.example/x"\n',
     "setting 'kind' must be one of customers"),
    ('[sources.c]\nconnector = "rest"\nkind = "customers"\nurl = "https://a.example/x"\npaging = "cursor"\n',
     "paging = \"cursor\" needs 'next_cursor'"),
    ('[sources.c]\nconnector = "rest"\nkind = "customers"\nurl = "https://a.example/x"\nsince_param = "s"\n',
     "'since_param' and 'cursor_field' go together"),
    ('[sources.c]\nconnector = "rest"\nkind = "customers"\nurl = "https://a.example/x"\n[sources.c.fields]\n'
     'name = "n"\n', "no field for required field 'source_id'"),
    ("[sources.zendesk\n", "sources.toml: Expected ']' at the end of a table declaration (at line 1"),
    ('[source.zendesk]\nconnector = "zendesk"\n', "unknown top-level setting(s) source"),
])
def test_mistakes_are_named_with_file_source_and_setting(tmp_path, text, message):
    with pytest.raises(SourcesError) as error:
        configured(tmp_path, text, defaults="")
    assert message in str(error.value)
    assert str(error.value).startswith(str(tmp_path / "sources.toml"))


def test_unknown_names_are_refused_listing_the_configured_ones(tmp_path):
    sources = configured(tmp_path, ZENDESK)
    assert select(sources, None) == sources
    with pytest.raises(SourcesError, match="no source named 'shop'; configured: zendesk"):
        select(sources, ["shop"], tmp_path / "sources.toml")
