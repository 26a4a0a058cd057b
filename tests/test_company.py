"""The company's own accounts and names come from config/company.toml, never from code."""

from __future__ import annotations

import pytest

from models.company import (
    BRAND_TOKEN,
    HANDLE_TOKEN,
    OTHER_HANDLE_TOKEN,
    PRODUCT_TOKEN,
    Company,
    CompanyError,
    load_company,
    mask_company,
)
from models.ideas import content_words

ACME = Company(name="Acme Rail", brand_names=("Acme",), product_names=("Railcard Plus",),
               handles={"twitter": ("AcmeRailHelp",), "mastodon": ("acmerail",)})


def test_the_shipped_file_names_the_demo_company():
    company = load_company()
    assert company.name == "Fernwood Outdoor"
    assert company.owns("twitter", "@FernwoodHelp") and company.owns("mastodon", "fernwoodoutdoor@mastodon.social")
    assert not company.owns("facebook", "FernwoodHelp") and not company.owns("twitter", "sam_walks")


def test_masking_reads_any_company_the_same():
    masked = mask_company("@AcmeRailHelp my Railcard Plus from Acme was charged twice, cc @sam and @acmerail@x.social",
                          ACME)
    assert masked == (f"{HANDLE_TOKEN} my {PRODUCT_TOKEN} from {BRAND_TOKEN} was charged twice, cc "
                      f"{OTHER_HANDLE_TOKEN} and {HANDLE_TOKEN}")


def test_idea_words_leave_out_the_configured_names(tmp_path, monkeypatch):
    path = tmp_path / "company.toml"
    path.write_text('name = "Acme Rail"\nbrand_names = ["Acme"]\n[handles]\ntwitter = ["AcmeRailHelp"]\n')
    monkeypatch.setenv("RAPPORT_COMPANY_FILE", str(path))
    from models.company import current_company

    current_company.cache_clear()
    try:
        assert content_words("Acme please add quiet carriages, acmerail") == {"add", "quiet", "carriages"}
        assert "fernwood" in content_words("Fernwood should sell quiet carriages")
    finally:
        current_company.cache_clear()


@pytest.mark.parametrize(("text", "named"), [
    ('brand_names = ["x"]', "needs name"),
    ('name = "A"\nhandles = ["x"]', "[handles]"),
    ('name = "A"\n[handles]\ntwitter = "x"', "handles.twitter"),
    ('name = "A"\nslogan = "x"', "unknown setting(s) slogan"),
    ('name = "A"\nproduct_names = [""]', "product_names"),
])
def test_a_bad_company_file_is_named_with_its_setting(tmp_path, text, named):
    path = tmp_path / "company.toml"
    path.write_text(text)
    with pytest.raises(CompanyError, match="company file .*company.toml") as error:
        load_company(path)
    assert named in str(error.value)


def test_staging_marks_posts_from_the_configured_handles_as_the_companys(con):
    from models.company import write_company_accounts
    from models.sql import MODELS_DIR, run_model

    posts = [("1", "twitter", "@AcmeRailHelp", False), ("2", "mastodon", "acmerail@x.social", False),
             ("3", "twitter", "@sam", False), ("4", "facebook", "AcmeRailHelp", False), ("5", "twitter", "@x", True)]
    con.executemany("""insert into raw_social_posts (source, record_id, post_id, posted_at, network, handle, text,
                                                     from_company, _row_hash, _load_id, _loaded_at)
                       values ('s', ?, ?, now(), ?, ?, 'hi', ?, 'h', 1, now())""",
                    [(i, i, network, handle, flag) for i, network, handle, flag in posts])
    write_company_accounts(con, ACME)
    run_model(con, MODELS_DIR / "staging" / "stg_social_posts.sql")
    marked = dict(con.execute("select post_id, is_from_company from stg_social_posts").fetchall())
    assert marked == {"1": True, "2": True, "3": False, "4": False, "5": True}
