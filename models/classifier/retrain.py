"""The company's own classifier: the shipped corpus plus the posts staff corrected in the store, each weighing as
COMPANY_WEIGHT corpus posts (the company's own labels, on its own customers' words), written beside the store; the
shipped model is never touched. A refresh retrains it once `retrain_after` (config/company.toml, [classifier])
corrections were made since the model in use learnt its own. Same corpus, same corrections: the same model."""

from __future__ import annotations

import hashlib
import os
import tomllib
from datetime import UTC, datetime
from pathlib import Path

from models.classifier.train import brand_companies, fit, save
from models.company import COMPANY_FILE, CompanyError, current_company
from store import Connection

COMPANY = "(the company's own customers)"  # the brand of the store's corrected posts among the training rows
# a corrected post weighs as five corpus posts: 50 corrections then weigh about as much as one of the corpus's
# 14 brands (~320 posts), enough to move the model on the company's own wording without drowning the corpus
COMPANY_WEIGHT = 5.0
DEFAULT_RETRAIN_AFTER = 50
CORRECTED_POSTS = """
    select c.post_key, any_value(p.text) as text,
           any_value(c.value) filter (where c.field = 'intent') as intent,
           any_value(c.value) filter (where c.field = 'urgency') as urgency,
           any_value(c.value) filter (where c.field = 'sentiment') as sentiment
    from current_corrections c
    inner join stg_social_posts p on p.record_key = c.post_key
    group by c.post_key
    order by c.post_key
"""


def retrain_after(path: Path | None = None) -> int:
    """How many new corrections make a refresh retrain the company's model ([classifier] retrain_after in the
    company file; default 50)."""
    path = Path(path or os.environ.get("RAPPORT_COMPANY_FILE") or COMPANY_FILE)
    try:
        settings = tomllib.loads(path.read_text(encoding="utf-8")).get("classifier", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CompanyError(f"company file {path}: {exc}") from None
    value = settings.get("retrain_after", DEFAULT_RETRAIN_AFTER) if isinstance(settings, dict) else None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise CompanyError(f"company file {path}: [classifier] retrain_after must be a whole number from 1")
    return value


def corrected_rows(con: Connection) -> list[dict]:
    """Every corrected post as a training row: its text and the labels staff gave (None where they gave none)."""
    found = con.execute(CORRECTED_POSTS).fetchall()
    return [{"text": text or "", "brand": COMPANY, "intent": intent, "urgency": urgency, "sentiment": sentiment,
             "urgency_reason": ""} for _, text, intent, urgency, sentiment in found]


def train_company_model(con: Connection, now: datetime, out: Path | None = None) -> tuple[str, int]:
    """Fit the corpus's train and dev brands and the store's corrected posts, write the model (by default beside
    the store) and note what it learnt from in classifier_trainings; its version and how many posts were
    corrected."""
    from data.classifier_corpus import read
    from models.classify import company_model_path

    corpus = [row for row in read() if row["split"] != "test"]
    corrected = corrected_rows(con)
    through = con.execute("select coalesce(max(correction_id), 0) from classification_corrections").fetchall()[0][0]
    model = fit(corpus + corrected, {**brand_companies(), COMPANY: current_company()},
                weights=[1.0] * len(corpus) + [COMPANY_WEIGHT] * len(corrected))
    model.trained_on.update({"corrections": len(corrected), "corrections_through": int(through)})
    out = out or company_model_path()
    written = out.with_name(out.name + ".partial")  # readers never see half a file
    version = save(model, written)
    written.replace(out)
    con.execute("insert into classifier_trainings values (?, ?, ?, ?, ?)",
                ["model-" + version, now, int(through), len(corrected), len(corpus) + len(corrected)])
    return version, len(corrected)


def new_corrections(con: Connection) -> int:
    """Corrections in force that the model in use did not learn from."""
    from models.classify import current_model

    through = current_model()[0].trained_on.get("corrections_through", 0)
    return con.execute("select count(*) from current_corrections where correction_id > ?", [through]).fetchall()[0][0]


def retrain_if_due(con: Connection, now: datetime) -> str | None:
    """Retrain the company's model when enough corrections are new to it, and read posts with it from now on;
    its version, or None when it was not due."""
    from models.classify import reload_model

    if new_corrections(con) < retrain_after():
        return None
    train_company_model(con, now)
    return reload_model()


def follow_model_file() -> None:
    """Read the model again if its file is another than the one in use (`train-classifier --company` wrote it
    while this process ran, or it was removed: the shipped model again)."""
    from models.classify import current_model, model_path, reload_model

    path = model_path()
    if path.exists() and hashlib.sha256(path.read_bytes()).hexdigest()[:12] != current_model()[1]:
        reload_model()



def retrain_now(con: Connection, out: Path | None = None) -> str:
    """`train-classifier --company`: train on the corpus and the corrections, then (unless written elsewhere) read
    posts with it and rebuild the models; what was done, in a line."""
    from models.build import refresh
    from models.classify import company_model_path, reload_model

    now = datetime.now(UTC).replace(tzinfo=None)
    version, corrected = train_company_model(con, now, out)
    said = f"wrote {out or company_model_path()} (model {version}, {corrected:,} corrected posts)"
    if out is not None and out != company_model_path():
        return said
    reload_model()
    return f"{said}; {refresh(con, now, retrain=False).summary()}"
