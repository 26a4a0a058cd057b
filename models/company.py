"""The company Rapport serves (config/company.toml): its handles per network, brand and product names, and the
masking that lets the classifier and the ideas grouping read a post the same whichever company it is addressed to."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from store import PROJECT_ROOT, Connection

COMPANY_FILE = PROJECT_ROOT / "config" / "company.toml"
SETTINGS = {"name", "brand_names", "product_names", "handles", "classifier"}  # [classifier]: retrain.py
# what the company's names and handles read as once masked; a handle that is not the company's is someone else
BRAND_TOKEN, HANDLE_TOKEN, PRODUCT_TOKEN, OTHER_HANDLE_TOKEN = "brandname", "@brandhandle", "productname", "@someone"
MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_.]+(?:@[A-Za-z0-9_.-]+)?)")


class CompanyError(ValueError):
    """A company file that cannot be used; the message names the file and the setting."""


@dataclass(frozen=True)
class Company:
    """Who "we" are: names customers call the company and its products, and its own handles on each network."""

    name: str
    brand_names: tuple[str, ...] = ()
    product_names: tuple[str, ...] = ()
    handles: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def all_handles(self) -> frozenset[str]:
        """Every handle of the company, lower case, without @ or instance."""
        return frozenset(h.lower().lstrip("@").split("@")[0] for hs in self.handles.values() for h in hs)

    @property
    def words(self) -> frozenset[str]:
        """Its names and handles as one lower-case word each ("Fernwood Outdoor": fernwoodoutdoor), as an idea's
        words are read: what an idea never asks for (its other words, "outdoor", may be what it asks for)."""
        names = (self.name, *self.brand_names, *self.all_handles)
        return frozenset(re.sub(r"[^a-z0-9]", "", n.lower()) for n in names)

    def owns(self, network: str | None, handle: str | None) -> bool:
        """Whether `handle` on `network` is one of the company's own accounts."""
        bare = (handle or "").lower().rsplit("/", 1)[-1].lstrip("@").split("@")[0]
        return bare in {h.lower().lstrip("@").split("@")[0] for h in self.handles.get(network or "", ())}


def load_company(path: Path | None = None) -> Company:
    """Read and validate the company file (RAPPORT_COMPANY_FILE, else config/company.toml)."""
    path = Path(path or os.environ.get("RAPPORT_COMPANY_FILE") or COMPANY_FILE)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CompanyError(f"company file {path}: {exc}") from None
    where = f"company file {path}"
    if unknown := set(doc) - SETTINGS:
        raise CompanyError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}")
    if not isinstance(doc.get("name"), str) or not doc["name"].strip():
        raise CompanyError(f"{where}: needs name, the company's name")
    handles = doc.get("handles", {})
    if not isinstance(handles, dict):
        raise CompanyError(f"{where}: [handles] must be a table of network = [handles]")
    return Company(name=doc["name"].strip(), brand_names=strings(doc.get("brand_names", []), "brand_names", where),
                   product_names=strings(doc.get("product_names", []), "product_names", where),
                   handles={net.lower(): strings(hs, f"handles.{net}", where) for net, hs in handles.items()})


def strings(value, name: str, where: str) -> tuple[str, ...]:
    if isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value):
        return tuple(v.strip() for v in value)
    raise CompanyError(f"{where}: {name} must be a list of non-empty strings")


@cache
def current_company() -> Company:
    """The configured company, read once per process."""
    return load_company()


@cache
def name_pattern(names: tuple[str, ...]) -> re.Pattern[str] | None:
    """Any of `names` as whole words, longest first, case-insensitive; possessives ("Fernwood's") included."""
    if not names:
        return None
    alternatives = "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in sorted(set(names), key=len, reverse=True))
    return re.compile(rf"(?<![\w@])(?:{alternatives})(?!\w)", re.IGNORECASE)


def mask_company(text: str, company: Company) -> str:
    """The text with the company's handles, brand names and product names replaced by fixed tokens, and anyone
    else's handle by another: the classifier learns "a post to the company", not "a post to @fernwoodhelp"."""
    own = company.all_handles
    text = MENTION.sub(lambda m: HANDLE_TOKEN if m[1].lower().split("@")[0] in own else OTHER_HANDLE_TOKEN, text)
    brands = name_pattern((company.name, *company.brand_names, *company.all_handles))
    if brands:
        text = brands.sub(BRAND_TOKEN, text)
    products = name_pattern(company.product_names)
    return products.sub(PRODUCT_TOKEN, text) if products else text


def write_company_accounts(con: Connection, company: Company | None = None) -> int:
    """company_accounts (network, handle): the company's own handles, lower case, for staging to mark its posts."""
    company = company or current_company()
    rows = sorted({(network, h.lower().lstrip("@").split("@")[0]) for network, hs in company.handles.items()
                   for h in hs})
    con.execute("create or replace table company_accounts (network varchar, handle varchar)")
    if rows:
        con.executemany("insert into company_accounts values (?, ?)", rows)
    return len(rows)
