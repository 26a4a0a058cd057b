"""Routing rules: golden cases through the shipped rules, and clear errors for broken rule files."""

from __future__ import annotations

import pytest

from models.routing import Post, RoutingError, load_rules, route

RULES = load_rules()

GOLDEN = [
    # (post, team, rule)
    (Post("My stove caught fire on the first use!", "complaint", "high"), "support", "safety"),
    (Post("Charged twice for #1195, I want a refund", "complaint", "high"), "billing", "billing"),
    (Post("Where is my discount code?", "question", "normal"), "billing", "billing"),
    (Post("THIRD TIME ASKING. NOBODY ANSWERS", "complaint", "high"), "support", "urgent complaints"),
    (Post("Tent pole snapped", "complaint", "normal", lifetime_value=2400.0), "support", "top customers"),
    (Post("Can we get trade pricing on 40 packs?", "question", "normal", segment="wholesale"), "sales",
     "wholesale and pro"),
    (Post("Is the Alpine stove good for winter?", "question", "normal", is_prospect=True), "sales",
     "pre-sale questions"),
    (Post("Is the Alpine stove good for winter?", "question", "normal"), "support", "questions"),
    (Post("Would love a kids' Drift bag", "idea", "low"), "product", "product ideas"),
    (Post("Zip broke after a week", "complaint", "normal"), "support", "complaints"),
    (Post("Best boots I've owned", "praise", "low"), "marketing", "praise"),
    (Post("Happy Friday everyone", "other", "low"), "marketing", "everything else"),
    # the classifier's reason for high urgency picks the team and the clock
    (Post("The heater sparked and my son is hurt", "complaint", "high", urgency_reason="safety"), "support",
     "urgent safety"),
    (Post("Someone ordered on my account, please call me", "complaint", "high", urgency_reason="fraud_account"),
     "billing", "fraud and account takeover"),
    (Post("Leaving Friday 6am, will it arrive?", "question", "high", urgency_reason="deadline"), "support",
     "urgent questions"),
]


@pytest.mark.parametrize("post, team, rule", GOLDEN, ids=[g[2] + ":" + g[0].text[:20] for g in GOLDEN])
def test_golden_routes(post, team, rule):
    found = route(post, RULES)
    assert (found.team, found.rule) == (team, rule)
    assert found.target_minutes > 0


def test_keywords_match_whole_words_only():
    assert route(Post("The fireplace pic is cute", "complaint", "normal"), RULES).rule == "complaints"


@pytest.mark.parametrize("text, message", [
    ('[[rule]]\nname = "a"\nteam = "x"', "needs 'target_minutes'"),
    ('[[rule]]\nname = "a"\nteam = "x"\ntarget_minutes = 0', "above 0"),
    ('[[rule]]\nname = "a"\nteam = "x"\ntarget_minutes = 5\nintents = ["rant"]', "intents rant not one of"),
    ('[[rule]]\nname = "a"\nteam = "x"\ntarget_minutes = 5\ncolour = "red"', "unknown setting(s) colour"),
    ('[[rule]]\nname = "a"\nteam = "x"\ntarget_minutes = 5\nprospect = "yes"', "prospect must be true or false"),
    ('[[rule]]\nname = "a"\nteam = "x"\ntarget_minutes = 5\n[[rule]]\nname = "a"\nteam = "y"\ntarget_minutes = 5',
     "unique"),
    ("title = 'no rules'", "needs at least one [[rule]]"),
    ('[[rule]]\nname = "a"\nteam = "x"\ntarget_minutes = 5\nreasons = ["boredom"]', "reasons boredom not one of"),
    ("[[rule]\n", "routing rules"),
])
def test_broken_rule_files_say_where(tmp_path, text, message):
    path = tmp_path / "routing.toml"
    path.write_text(text)
    with pytest.raises(RoutingError) as error:
        load_rules(path)
    assert message in str(error.value) and "routing.toml" in str(error.value)
