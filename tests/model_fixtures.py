"""A tiny, hand-checkable world for model tests: who is who is known, and every metric can be worked out by hand."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from connectors.loader import load_file
from store import Connection

NOW = datetime(2026, 3, 1, 12, 0)

CUSTOMERS = [
    # Ana: CRM contact whose email, phone and instagram handle link everything she does elsewhere
    {"source_id": "C1", "first_name": "Ana", "last_name": "Silva", "email": "Ana.Silva@Example.com",
     "phone": "07700 900123", "instagram": "@Ana.Hikes", "birth_date": "1988-04-12", "created_at": "2024-01-05",
     "postcode": "LS1 4AB", "city": "Leeds", "segment": "customer"},
    # the Parks share a family email: different first names and birth dates, so not one person
    {"source_id": "C2", "first_name": "Sam", "last_name": "Park", "email": "parks@example.com",
     "birth_date": "1970-01-01", "created_at": "2023-06-01"},
    {"source_id": "C3", "first_name": "Jo", "last_name": "Park", "email": "parks@example.com",
     "birth_date": "2001-09-09", "created_at": "2023-06-02"},
    # Bob never bought anything
    {"source_id": "C4", "first_name": "Bob", "last_name": "Jones", "email": "bob@example.com",
     "created_at": "2025-12-01"},
]

PURCHASES = [
    {"order_id": "O1", "ordered_at": "2025-01-10T10:00:00", "amount": "100.00", "email": "ana.silva@example.com",
     "product": "Tent", "category": "tents", "status": "paid"},
    {"order_id": "O2", "ordered_at": "2025-03-10T10:00:00", "amount": "50.00", "phone": "+44 7700 900123",
     "product": "Stove", "category": "cooking", "status": "paid"},
    {"order_id": "O3", "ordered_at": "2025-05-09T10:00:00", "amount": "30.00", "phone": "(0)7700-900-123",
     "product": "Mug", "category": "cooking", "status": "refunded"},
    {"order_id": "O4", "ordered_at": "2025-02-01T09:00:00", "amount": "20.00", "email": "parks@example.com",
     "product": "Socks", "status": "paid"},
]

TICKETS = [
    # Ana's reopened ticket, answered after 90 minutes, solved after 2 days, rated good
    {"ticket_id": "T1", "created_at": "2025-06-01T09:00:00", "requester_email": "ANA.SILVA@example.com",
     "subject": "Refund not received", "description": "Still waiting for my refund!", "status": "open",
     "solved_at": "2025-06-03T09:00:00", "reopens": "1", "satisfaction": "good", "channel": "email"},
    # Ana's second ticket: no agent reply yet
    {"ticket_id": "T2", "created_at": "2026-02-26T12:00:00", "requester_email": "ana.silva@example.com",
     "subject": "Where is my order?", "description": "No tracking yet", "status": "new", "channel": "web"},
    # Bob's solved ticket, rated 2 of 5 (bad), answered after 30 minutes, solved after 4 hours
    {"ticket_id": "T3", "created_at": "2026-01-10T10:00:00", "requester_email": "bob@example.com",
     "subject": "Broken zip", "description": "The zip broke", "status": "solved",
     "solved_at": "2026-01-10T14:00:00", "satisfaction": "2", "channel": "phone"},
]

COMMENTS = [
    {"comment_id": "M1", "ticket_id": "T1", "created_at": "2025-06-01T09:00:00", "author_type": "customer",
     "body": "Still waiting for my refund!"},
    {"comment_id": "M2", "ticket_id": "T1", "created_at": "2025-06-01T10:00:00", "author_type": "agent",
     "body": "internal: check with warehouse", "public": "false"},
    {"comment_id": "M3", "ticket_id": "T1", "created_at": "2025-06-01T10:30:00", "author_type": "agent",
     "body": "Refund issued.", "public": "true"},
    {"comment_id": "M4", "ticket_id": "T2", "created_at": "2026-02-26T12:00:00", "author_type": "customer",
     "body": "No tracking yet"},
    {"comment_id": "M5", "ticket_id": "T3", "created_at": "2026-01-10T10:30:00", "author_type": "agent",
     "body": "Sorry! Sending a new one."},
]

POSTS = [
    {"post_id": "S1", "posted_at": "2026-02-20T18:00:00", "network": "instagram", "handle": "ana.hikes",
     "text": "Love my new tent, best purchase ever!", "followers": "1200"},
    {"post_id": "S2", "posted_at": "2026-02-21T19:00:00", "network": "twitter", "handle": "TrailTom",
     "author_name": "Tom Reed", "text": "Is the Alpine stove any good?", "followers": "80"},
    {"post_id": "S3", "posted_at": "2026-02-21T19:30:00", "network": "twitter", "handle": "FernwoodHelp",
     "text": "@TrailTom It is great!", "in_reply_to": "S2", "from_company": "true"},
]


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    return path


def load_world(con: Connection, folder: Path) -> None:
    """Load every fixture kind from canonical JSON Lines files."""
    for kind, records, source in (("customers", CUSTOMERS, "crm"), ("purchases", PURCHASES, "shop"),
                                  ("tickets", TICKETS, "desk"), ("ticket_comments", COMMENTS, "desk"),
                                  ("social_posts", POSTS, "social")):
        load_file(con, kind, write_jsonl(folder / f"{kind}.jsonl", records), source=source)
