"""Name variants for identity tier 2: nickname groups (the `nicknames` package: Bob/Robert) and a phonetic code
of surnames (jellyfish's metaphone: Smith/Smyth), as small tables DuckDB joins to the candidates."""

from __future__ import annotations

from functools import cache

import jellyfish
import pandas as pd
from nicknames import NickNamer

from store import Connection


@cache
def nickname_groups() -> pd.DataFrame:
    """Every name the nicknames package knows, with the formal names it may stand for (itself included): two first
    names are one person's when their lists share a name (bob → robert ← robbie; not alan/albert, both formal)."""
    namer = NickNamer()
    rows: dict[str, set[str]] = {}
    for formal, nicks in namer.nickname_lookup.items():  # formal name → its nicknames (names.csv)
        rows.setdefault(formal, {formal})
        for nick in nicks:
            rows.setdefault(nick, {nick}).add(formal)
    return pd.DataFrame({"name": list(rows), "formal_names": [sorted(v) for v in rows.values()]})


def register_nicknames(con: Connection, table: str = "_nickname_groups") -> None:
    """`table`(name, formal_names), for a left join on a lower-case first name."""
    con.register("_nickname_frame", nickname_groups())
    con.execute(f"create or replace temp table {table} as select * from _nickname_frame")
    con.unregister("_nickname_frame")


def register_phonetic_codes(con: Connection, source: str, column: str, table: str) -> None:
    """`table`(value, code): the metaphone code of each distinct `column` of `source`, worked out once per value
    (a few ten thousand surnames at a million customers: milliseconds)."""
    values = [row[0] for row in con.execute(f"select distinct {column} from {source} where {column} is not null")
              .fetchall()]
    con.register("_phonetic_frame", pd.DataFrame({"value": values,
                                                  "code": [jellyfish.metaphone(v) or None for v in values]},
                                                 dtype="string"))
    con.execute(f"create or replace temp table {table} as select * from _phonetic_frame")
    con.unregister("_phonetic_frame")
