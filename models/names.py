"""A person's name written in one field ("Dr. Jo Park Jr.", "Park, Jo") split into given and family name with
`nameparser`, as a function the staging SQL calls: person_name_parts(name) → {given_name, family_name}."""

from __future__ import annotations

from nameparser import HumanName

from store import Connection

FUNCTION = "person_name_parts"
PARTS_TYPE = "STRUCT(given_name VARCHAR, family_name VARCHAR)"


def name_parts(written: str) -> dict[str, str | None]:
    """The given and family name of a name written in one field: titles ("Dr.", "Mrs") and suffixes ("Jr.", "PhD")
    dropped, "Last, First" read the right way round, particles kept with the surname ("de la Cruz"). A part the
    name does not hold is None ("Madonna" has no family name; "Mia 🌲" neither: a family name has a letter)."""
    parsed = HumanName(written)
    family = parsed.last.strip()
    return {"given_name": parsed.first.strip() or None,
            "family_name": family if any(ch.isalpha() for ch in family) else None}


def register_name_parser(con: Connection) -> None:
    """Make person_name_parts callable in `con`'s SQL (once per connection; DuckDB calls it only for the rows a
    CASE hands it, and never with NULL)."""
    known = con.execute("select count(*) from duckdb_functions() where function_name = ?", [FUNCTION]).fetchall()[0][0]
    if not known:
        con.create_function(FUNCTION, name_parts, ["VARCHAR"], PARTS_TYPE, side_effects=False)
