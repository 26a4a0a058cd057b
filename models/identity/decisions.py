"""Staff decisions about identities — merge two profiles, split a record out, dismiss a suggested duplicate —
stored as overrides that every build applies, undoable, and audited with who, when and why."""

from __future__ import annotations

from datetime import UTC, datetime

from models.operations import audit
from store import Connection


class DecisionError(ValueError):
    """A decision that cannot be taken; the message says why."""


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def record(con: Connection, action: str, *, reason: str, decided_by: str, record_key: str | None = None,
           customer_id: int | None = None, other_customer_id: int | None = None) -> int:
    """Store one decision and return its id; it takes effect at the next model build."""
    if not reason or not reason.strip():
        raise DecisionError("say why: a decision needs a reason")
    if not decided_by:
        raise DecisionError("a decision needs the name of who took it")
    decision_id = con.execute("select nextval('identity_decision_id_seq')").fetchall()[0][0]
    con.execute("insert into identity_decisions values (?, ?, ?, ?, ?, ?, ?, ?, null, null)",
                [decision_id, action, record_key, customer_id, other_customer_id, reason.strip(), decided_by,
                 utc_now()])
    audit(con, decided_by, f"identity_{action}", "customer", str(customer_id), decision_id=decision_id,
          other_customer_id=other_customer_id, record_key=record_key)
    return decision_id


def merge(con: Connection, customer_id: int, other_customer_id: int, *, reason: str, decided_by: str) -> int:
    """These two profiles are one person."""
    if customer_id == other_customer_id:
        raise DecisionError("a profile cannot be merged with itself")
    return record(con, "merge", reason=reason, decided_by=decided_by, customer_id=customer_id,
                  other_customer_id=other_customer_id)


def split(con: Connection, record_key: str, customer_id: int, *, reason: str, decided_by: str,
          ops: Connection | None = None) -> int:
    """This source record is not the same person as the rest of the profile.

    If the record anchors the profile's id, the anchor moves to another record of the profile first, so the
    profile people have bookmarked keeps its id and the record leaves with a new one. The decision is stored in
    `ops` when the operational store is PostgreSQL (the anchor stays in the store `con`, beside the ids).
    """
    others = con.execute("""select record_key from customer_sources
                            where customer_id = ? and record_key <> ?
                            order by case kind when 'customers' then 0 when 'tickets' then 1
                                               when 'purchases' then 2 else 3 end, record_key""",
                         [customer_id, record_key]).fetchall()
    if not others:
        raise DecisionError("the profile has no other record to keep: nothing to split")
    con.execute("update customer_ids set anchor_record_key = ? where customer_id = ? and anchor_record_key = ?",
                [others[0][0], customer_id, record_key])
    return record(ops or con, "split", reason=reason, decided_by=decided_by, record_key=record_key,
                  customer_id=customer_id)


def dismiss_duplicate(con: Connection, customer_id: int, other_customer_id: int, *, reason: str,
                      decided_by: str) -> int:
    """Splink's suggestion is wrong: these two profiles are different people."""
    return record(con, "not_duplicate", reason=reason, decided_by=decided_by, customer_id=customer_id,
                  other_customer_id=other_customer_id)


def undo(con: Connection, decision_id: int, *, undone_by: str) -> None:
    """Take a decision back; the row stays, marked undone, for the audit."""
    changed = con.execute("""update identity_decisions set undone_by = ?, undone_at = ?
                             where decision_id = ? and undone_at is null returning decision_id""",
                          [undone_by, utc_now(), decision_id]).fetchall()
    if not changed:
        raise DecisionError(f"decision {decision_id} does not exist or is already undone")
    audit(con, undone_by, "identity_undo", "decision", str(decision_id))


def history(con: Connection, customer_id: int | None = None):
    """Every decision, newest first (optionally those naming one customer id), as a DataFrame."""
    return con.execute("""select * from identity_decisions
                          where $id is null or $id in (customer_id, other_customer_id)
                          order by decided_at desc, decision_id desc""", {"id": customer_id}).df()
