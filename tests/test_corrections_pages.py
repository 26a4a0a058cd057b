"""The correction controls of the social inbox and the Model quality section of Data sources, through AppTest on the
demo company."""

from __future__ import annotations

import store
from models import corrections, operations
from queries.model_quality import MIN_LABELS
from tests.viewers import crashed, open_app

NO_WORDS = ("nan", "None", "NaT", "null")


def first_post(path) -> tuple[str, str]:
    """The first post (by key) of the inbox's default queue (new: nobody answered it nor took it up), and its intent."""
    con = store.connect(path)
    try:
        return con.execute("""select i.post_key, i.intent from social_inbox i left join inbox_state s using (post_key)
                              where i.brand_replied_at is null and coalesce(s.status, 'new') = 'new'
                              order by i.post_key limit 1""").fetchall()[0]
    finally:
        con.close()


def open_post(post_key: str, role: str | None = None):
    at = open_app("pages/social_inbox.py", role)
    at.session_state["inbox-kept"] = post_key  # as after a save: the post stays open
    at.run()
    assert not crashed(at), crashed(at)
    return at


def control(at, field: str, post_key: str):
    return next(g for g in at.button_group if g.key.startswith(f"inbox-read-{field}-{post_key}-"))


def shown_texts(at) -> str:
    return "\n".join(t.value for t in at.text)


def test_one_click_corrects_the_intent_shows_who_and_undo_restores_it(app_store):
    post_key, intent = first_post(app_store)
    other = "idea" if intent != "idea" else "question"
    at = open_post(post_key)
    assert control(at, "intent", post_key).value == intent
    assert "Corrected by" not in shown_texts(at)

    control(at, "intent", post_key).set_value(other).run()

    assert not crashed(at), crashed(at)
    assert f"Intent corrected to {other}." in [s.value for s in at.success][0]
    assert control(at, "intent", post_key).value == other
    said = [t for t in shown_texts(at).splitlines() if t.startswith("Corrected by ")]
    assert len(said) == 1 and said[0].endswith(f"(the model read {intent}).")
    con = store.connect(app_store)
    try:
        assert con.execute("select value from current_corrections where post_key = ? and field = 'intent'",
                           [post_key]).fetchall() == [(other,)]
        assert con.execute("select count(*) from audit_log where action = 'correct' and object_id = ?",
                           [post_key]).fetchall() == [(1,)]
    finally:
        con.close()

    at.button(key=f"inbox-undo-intent-{post_key}").click().run()
    assert f"Intent back to the model's reading: {intent}." in [s.value for s in at.success][0]
    assert control(at, "intent", post_key).value == intent
    assert not any(t.startswith("Corrected by ") for t in shown_texts(at).splitlines())


def test_a_correction_made_elsewhere_shows_on_the_post_with_who_made_it(app_store):
    post_key, _ = first_post(app_store)
    con = store.connect(app_store)
    corrections.correct(con, post_key, "sentiment", "negative", "kim@corp")
    con.close()
    at = open_post(post_key, "support")
    assert control(at, "sentiment", post_key).value == "negative"
    assert any(t.startswith("Corrected by kim@corp ") for t in shown_texts(at).splitlines())
    assert not any(word in shown_texts(at).split() for word in NO_WORDS)


def test_model_quality_says_when_there_are_not_enough_labels_then_shows_figures(app_store):
    con = store.connect(app_store)
    # a company that has not worked its inbox yet (the demo has a history: states and corrections)
    con.execute("delete from inbox_state")
    con.execute("delete from classification_corrections")
    con.close()
    at = open_app("pages/data_sources.py", "admin")
    assert not crashed(at), crashed(at)
    assert "Model quality" in [h.value for h in at.header]
    assert sum("Not enough labels yet" in i.value for i in at.info) == 3

    con = store.connect(app_store)
    try:
        posts = con.execute("select post_key, intent from social_inbox order by post_key limit ?",
                            [MIN_LABELS + 5]).fetchall()
        for n, (post_key, intent) in enumerate(posts):
            if n % 4 == 0:  # a quarter corrected, the rest closed as they were read
                corrections.correct(con, post_key, "intent", "other" if intent != "other" else "idea", "kim@corp")
            operations.set_status(con, post_key, "closed", "kim@corp")
    finally:
        con.close()

    at = open_app("pages/data_sources.py", "admin")
    assert not crashed(at), crashed(at)
    assert not any("Not enough labels yet" in i.value for i in at.info)
    labels = [m for m in at.metric if m.label == "Labels"]
    assert [m.value for m in labels] == [str(len(posts))] * 3
    corrected = [m.value for m in at.metric if m.label == "Of them corrections"]
    assert corrected == [str(len(range(0, len(posts), 4))), "0", "0"]
    classes = [d.value for d in at.dataframe if "Class" in d.value.columns]
    confusions = [d.value for d in at.dataframe if "People said" in d.value.columns]
    assert len(classes) == len(confusions) == 3  # intent, urgency, sentiment
    intent_classes, intent_confusion = classes[0], confusions[0]
    # corrected to "other": the model never read those as other, so its recall of "other" is 0
    other = intent_classes[intent_classes["Class"] == "Other"].iloc[0]
    assert other["Recall"] == "0.00" and other["Precision"] == "no post read so"
    assert intent_confusion["People said"].tolist() == ["Complaint", "Question", "Praise", "Idea", "Other"]
    assert int(intent_confusion.drop(columns="People said").to_numpy().sum()) == len(posts)
    for frame in classes + confusions:
        cells = frame.astype(str).to_numpy().ravel().tolist()
        assert not any(cell in NO_WORDS for cell in cells)
