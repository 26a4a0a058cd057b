"""Mastodon sync: hashtag timelines and mentions paged forward with min_id, HTML content as plain text."""

from __future__ import annotations

import pytest

from connectors.api.mastodon import html_to_text
from connectors.sync import sync_all
from tests.api_fixtures.fakes import FakeMastodon, local_server
from tests.api_fixtures.helpers import configured
from tests.conftest import rows

TOKEN = "masto-7e2a91"
HTML = ('<p>Loving my new tent from <span class="h-card"><a href="https://social.example/@fernwood">@<span>'
        'fernwood</span></a></span> &amp; the <a href="https://social.example/tags/camping">#<span>camping'
        '</span></a> trip!<br>5 &lt; 6 &gt; 4</p><p>See <a href="https://example.com/x"><span class="invisible">'
        'https://</span><span>example.com/x</span></a></p>')


@pytest.fixture
def mastodon(monkeypatch):
    monkeypatch.setenv("MASTODON_TOKEN", TOKEN)
    with local_server() as server:
        fake = FakeMastodon(server, credential=("Authorization", f"Bearer {TOKEN}"))
        for status_id in range(101, 106):
            fake.add_tagged("fernwood", fake.status(status_id, "walker@hills.example", HTML))
        fake.add_tagged("fernwood", fake.status(106, "fernwood", "<p>Thanks, all!</p>", in_reply_to_id="105"))
        fake.add_mention(9001, fake.status(201, "grumpy@town.example", "<p>@fernwood my order is late</p>"))
        yield fake


def mastodon_source(tmp_path, fake):
    return configured(tmp_path, f"""
[sources.mastodon]
connector = "mastodon"
base_url = "{fake.url}"
account = "fernwood@127.0.0.1"
hashtags = ["fernwood"]
mentions = true
token_env = "MASTODON_TOKEN"
limit = 2
batch_records = 1
""")


def test_html_content_becomes_plain_text():
    assert html_to_text(HTML) == "Loving my new tent from @fernwood & the #camping trip!\n5 < 6 > 4\n\nSee https://example.com/x"
    assert html_to_text("<p>a</p><p>b<script>alert(1)</script></p>") == "a\n\nb"


def test_statuses_and_mentions_load_as_plain_text_posts(con, tmp_path, mastodon):
    [result] = sync_all(con, sources=mastodon_source(tmp_path, mastodon))
    assert result.outcome == "ok", result.error
    assert result.inserted == 7
    posts = rows(con, "select post_id, network, handle, author_name, text, in_reply_to, likes, shares, followers, "
                      "from_company from raw_social_posts order by 1")
    assert posts[0] == ("101", "mastodon", "walker@hills.example", "Walker@Hills.Example",
                        "Loving my new tent from @fernwood & the #camping trip!\n5 < 6 > 4\n\nSee https://example.com/x",
                        None, 3, 1, 42, False)
    assert posts[5][0::9] == ("106", True) and posts[5][5] == "105"  # the company's own reply
    assert posts[6][4] == "@fernwood my order is late"
    assert rows(con, "select count(*) from raw_social_posts where regexp_matches(text, '<[a-z/][^>]*>')") == [(0,)]
    # HTML is kept nowhere, not even in what the store keeps of a record
    assert "<p>" not in repr(rows(con, "select * from quarantine")) + repr(rows(con, "select * from raw_social_posts"))
    assert rows(con, "select stream, cursor from sync_state order by 1") == [("mentions", "9001"),
                                                                             ("tag:fernwood", "106")]


def test_pages_run_forward_from_the_cursor_so_nothing_new_is_skipped(con, tmp_path, mastodon):
    sources = mastodon_source(tmp_path, mastodon)
    sync_all(con, sources=sources)
    tag_requests = [r for r in mastodon.seen if "/tag/" in r]
    assert tag_requests[:3] == ["/api/v1/timelines/tag/fernwood?min_id=0&limit=2",
                                "/api/v1/timelines/tag/fernwood?min_id=102&limit=2",
                                "/api/v1/timelines/tag/fernwood?min_id=104&limit=2"]
    [again] = sync_all(con, sources=sources)
    assert (again.inserted, again.updated, again.outcome) == (0, 0, "ok")
    for status_id in (107, 108, 109):  # more than a page arrives between syncs
        mastodon.add_tagged("fernwood", mastodon.status(status_id, "walker@hills.example", "<p>again</p>"))
    [third] = sync_all(con, sources=sources)
    assert third.inserted == 3
    assert rows(con, "select count(*) from raw_social_posts") == [(10,)]


def test_a_failing_stream_leaves_the_other_streams_of_its_source_syncing(con, tmp_path, mastodon):
    mastodon.fail(503, times=3, path="/tag/")  # every attempt at the hashtag fails
    [result] = sync_all(con, sources=mastodon_source(tmp_path, mastodon))
    assert (result.outcome, result.inserted) == ("failed", 1)  # the mention still arrived
    assert result.error.startswith("mastodon: GET /api/v1/timelines/tag/fernwood answered HTTP 503")
    assert rows(con, "select stream, last_outcome from sync_state order by 1") == [("mentions", "ok"),
                                                                                   ("tag:fernwood", "failed")]
