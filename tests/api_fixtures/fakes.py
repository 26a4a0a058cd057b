"""Small stateful emulations of the Zendesk, Shopify, Mastodon and a generic REST API, served on 127.0.0.1 by
pytest-httpserver: their paging and incremental parameters as the real APIs document them, their credentials
checks, and faults to inject (HTTP errors with headers, answers that stall past the client's timeout)."""

from __future__ import annotations

import base64
import json
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from urllib.parse import urlencode

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response


class QuickServer(HTTPServer):
    """pytest-httpserver's server, stopping in milliseconds rather than half a second."""

    def thread_target(self) -> None:
        self.server.serve_forever(poll_interval=0.02)


@contextmanager
def local_server():
    """A threaded server on 127.0.0.1, one per test, so a request still in flight never reaches another test."""
    server = QuickServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    try:
        yield server
    finally:
        server.clear()
        server.stop()


@dataclass
class Fault:
    path: str  # a part of the path and query it applies to
    times: int
    status: int = 500
    headers: dict = field(default_factory=dict)
    stall: float = 0.0  # seconds to sleep, then answer normally (the client has given up by then)


class FakeApi:
    """Routes every request of a server to `respond`, after any fault queued for its path."""

    def __init__(self, server: HTTPServer, credential: tuple[str, str] | None = None):
        self.server, self.credential = server, credential
        self.faults: list[Fault] = []
        self.seen: list[str] = []  # path?query of every request, in order
        self.stalls = 0
        server.expect_request(re.compile(".*")).respond_with_handler(self.handle)

    @property
    def url(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def fail(self, status: int, times: int = 1, path: str = "", headers: dict | None = None) -> None:
        self.faults.append(Fault(path, times, status, headers or {}))

    def stall(self, seconds: float, times: int = 1, path: str = "") -> None:
        self.faults.append(Fault(path, times, stall=seconds))

    def handle(self, request: Request) -> Response:
        self.seen.append(request.full_path.rstrip("?"))
        for fault in self.faults:
            if fault.times and fault.path in request.full_path:
                fault.times -= 1
                if not fault.stall:
                    return Response("upstream trouble", status=fault.status, headers=fault.headers)
                self.stalls += 1
                time.sleep(fault.stall)
                break
        if self.credential:
            name, expected = self.credential
            if request.headers.get(name) != expected:  # echo what came, as careless APIs do: it must not leak
                return json_response({"error": f"invalid credentials {request.headers.get(name)}"}, status=401)
        return self.respond(request)

    def respond(self, request: Request) -> Response:
        raise NotImplementedError


def json_response(body, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=headers or {}, content_type="application/json")


def token(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


def untoken(value: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(value.encode()))


def epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


# --- Zendesk --------------------------------------------------------------------------------------------------

class FakeZendesk(FakeApi):
    """Incremental cursor export of tickets (with include=users) and paged ticket comments.

    As Zendesk documents it, the export lists tickets in the order of their `generated_timestamp` (moved by every
    update, system updates too, which leave `updated_at` as it was) and sideloads, with each page, the users its
    tickets name. A ticket updated while a client pages through the export moves to the end of the stream, so the
    client meets it again on a later page with its new values: `between_pages` makes such changes happen.
    """

    def __init__(self, server, credential=None, comments_per_page: int = 2):
        super().__init__(server, credential)
        self.tickets: list[dict] = []
        self.users: dict[int, dict] = {}
        self.comments: dict[int, list[dict]] = {}
        self.comments_per_page = comments_per_page
        self.export_pages = 0  # export pages answered so far
        self.changes: dict[int, list] = {}  # export page number -> changes made right after answering it

    def between_pages(self, after_page: int, change) -> None:
        """Run `change()` (say, an add_ticket updating one) right after the export answers page `after_page`."""
        self.changes.setdefault(after_page, []).append(change)

    def add_user(self, user_id: int, name: str, role: str = "end-user", email: str | None = None) -> None:
        self.users[user_id] = {"id": user_id, "name": name, "email": email, "phone": None, "role": role,
                               "created_at": "2024-01-01T00:00:00Z", "external_id": None}

    def add_ticket(self, ticket_id: int, requester_id: int, updated_at: str, **fields) -> dict:
        ticket = {"id": ticket_id, "requester_id": requester_id, "assignee_id": 900, "created_at": updated_at,
                  "updated_at": updated_at, "generated_timestamp": int(epoch(updated_at)),
                  "subject": f"Ticket {ticket_id}", "description": "Where is my order?", "status": "open",
                  "priority": "normal", "via": {"channel": "web", "source": {"from": {}}}, **fields}
        self.tickets = [t for t in self.tickets if t["id"] != ticket_id] + [ticket]
        self.tickets.sort(key=lambda t: (t["generated_timestamp"], t["id"]))
        return ticket

    def add_comment(self, ticket_id: int, comment_id: int, author_id: int, body: str, public: bool = True) -> None:
        self.comments.setdefault(ticket_id, []).append(
            {"id": comment_id, "type": "Comment", "author_id": author_id, "body": body, "plain_body": body,
             "html_body": f"<p>{body}</p>", "public": public, "created_at": "2024-03-01T10:00:00Z"})

    def respond(self, request: Request) -> Response:
        if request.path == "/api/v2/incremental/tickets/cursor.json":
            return self.export(request)
        found = re.fullmatch(r"/api/v2/tickets/(\d+)/comments\.json", request.path)
        if found and int(found[1]) in {t["id"] for t in self.tickets}:
            return self.ticket_comments(request, int(found[1]))
        return json_response({"error": "RecordNotFound"}, status=404)

    def export(self, request: Request) -> Response:
        response = self.export_page(request)
        self.export_pages += 1
        for change in self.changes.pop(self.export_pages, []):
            change()
        return response

    def export_page(self, request: Request) -> Response:
        per_page = int(request.args.get("per_page", 1000))
        if "cursor" in request.args:
            position = untoken(request.args["cursor"])
            start = next((i for i, t in enumerate(self.tickets)
                          if (t["generated_timestamp"], t["id"]) > (position["t"], position["id"])),
                         len(self.tickets))
        else:
            start = next((i for i, t in enumerate(self.tickets)
                          if t["generated_timestamp"] >= int(request.args["start_time"])), len(self.tickets))
        page = self.tickets[start:start + per_page]
        last = page[-1] if page else None
        after = (token({"t": float(last["generated_timestamp"]), "id": last["id"]}) if last
                 else request.args.get("cursor") or token({"t": int(request.args["start_time"]) - 1, "id": 0}))
        body = {"tickets": page, "after_cursor": after, "before_cursor": None,
                "after_url": f"{self.url}/api/v2/incremental/tickets/cursor.json?cursor={after}",
                "end_of_stream": start + per_page >= len(self.tickets)}
        if "users" in request.args.get("include", ""):
            ids = dict.fromkeys(i for t in page for i in (t["requester_id"], t.get("assignee_id")))
            body["users"] = [self.users[i] for i in ids if i in self.users]
        return json_response(body)

    def ticket_comments(self, request: Request, ticket_id: int) -> Response:
        page_number = int(request.args.get("page", 1))
        comments = self.comments.get(ticket_id, [])
        start = (page_number - 1) * self.comments_per_page
        page = comments[start:start + self.comments_per_page]
        more = start + self.comments_per_page < len(comments)
        next_page = (f"{self.url}/api/v2/tickets/{ticket_id}/comments.json?page={page_number + 1}&include=users"
                     if more else None)
        users = [self.users[i] for i in dict.fromkeys(c["author_id"] for c in page) if i in self.users]
        return json_response({"comments": page, "users": users, "next_page": next_page, "previous_page": None,
                              "count": len(comments)})


# --- Shopify --------------------------------------------------------------------------------------------------

class FakeShopify(FakeApi):
    """Admin REST orders: `updated_at_min`, `order=updated_at asc`, cursor paging by `page_info` in Link headers
    (a request with page_info may carry nothing but limit, as Shopify insists)."""

    PATH = "/admin/api/2024-10/orders.json"

    def __init__(self, server, credential=None):
        super().__init__(server, credential)
        self.orders: list[dict] = []

    def add_order(self, number: int, updated_at: str, lines: list[tuple[str, str, int]], *,
                  financial_status: str = "paid", email: str = "ann@example.com", **fields) -> dict:
        total = order_total(lines)
        order = {"id": 5000 + number, "name": f"#{number}", "email": email, "phone": None,
                 "created_at": "2024-05-01T09:30:00-04:00", "updated_at": updated_at, "currency": "USD",
                 "financial_status": financial_status, "source_name": "web", "total_price": total,
                 "line_items": [{"id": 70000 + number * 10 + i, "sku": sku, "name": f"Product {sku}",
                                 "title": f"Product {sku}", "price": price, "quantity": quantity}
                                for i, (sku, price, quantity) in enumerate(lines)],
                 "refunds": [], **fields}
        self.orders = [o for o in self.orders if o["id"] != order["id"]] + [order]
        return order

    @staticmethod
    def refund(order: dict, refund_id: int, *transactions: tuple[str, str], line_item_id: int | None = None,
               quantity: int = 1) -> dict:
        """A refund of `order` as the Admin API's order JSON nests it under `refunds` (REST Refund resource,
        shopify.dev/docs/api/admin-rest/latest/resources/refund): the items returned under `refund_line_items` and
        the money that went back as `transactions`, each (amount, status) of kind `refund`."""
        items = [{"id": refund_id * 10, "line_item_id": line_item_id, "quantity": quantity,
                  "restock_type": "return", "subtotal": transactions[0][0] if transactions else "0.00",
                  "total_tax": "0.00"}] if line_item_id else []
        return {"id": refund_id, "order_id": order["id"], "created_at": order["updated_at"], "note": "",
                "processed_at": order["updated_at"], "restock": bool(items), "user_id": None,
                "refund_line_items": items, "order_adjustments": [], "duties": [],
                "transactions": [{"id": refund_id * 100 + i, "order_id": order["id"], "kind": "refund",
                                  "gateway": "shopify_payments", "status": status, "message": None,
                                  "created_at": order["updated_at"], "test": False, "parent_id": order["id"] * 10,
                                  "processed_at": order["updated_at"], "source_name": "web", "error_code": None,
                                  "amount": amount, "currency": order["currency"]}
                                 for i, (amount, status) in enumerate(transactions)]}

    def respond(self, request: Request) -> Response:
        if request.path != self.PATH:
            return json_response({"errors": "Not Found"}, status=404)
        limit = int(request.args.get("limit", 50))
        if "page_info" in request.args:
            if set(request.args) - {"page_info", "limit"}:
                return json_response({"errors": "page_info: only limit may go with page_info"}, status=400)
            state = untoken(request.args["page_info"])
        else:
            assert request.args.get("order") == "updated_at asc"
            state = {"min": request.args.get("updated_at_min", "1970-01-01T00:00:00Z"), "offset": 0}
        matching = sorted((o for o in self.orders if epoch(o["updated_at"]) >= epoch(state["min"])),
                          key=lambda o: (epoch(o["updated_at"]), o["id"]))
        page = matching[state["offset"]:state["offset"] + limit]
        headers = {}
        if state["offset"] + limit < len(matching):
            following = token({"min": state["min"], "offset": state["offset"] + limit})
            headers["Link"] = f'<{self.url}{self.PATH}?limit={limit}&page_info={following}>; rel="next"'
        return json_response({"orders": page}, headers=headers)


def order_total(lines: list[tuple[str, str, int]]) -> str | None:
    """What an order of these lines comes to, as Shopify writes `total_price`; None for a deliberately malformed
    price, which the loader must refuse for itself."""
    try:
        return f"{sum(Decimal(price) * quantity for _, price, quantity in lines):.2f}"
    except ArithmeticError:
        return None


# --- Mastodon -------------------------------------------------------------------------------------------------

class FakeMastodon(FakeApi):
    """Tag timelines and mention notifications: newest first, `min_id`/`max_id`/`since_id`, Link headers."""

    def __init__(self, server, credential=None):
        super().__init__(server, credential=None)
        self.notification_credential = credential
        self.statuses: dict[str, list[dict]] = {}
        self.notifications: list[dict] = []

    def status(self, status_id: int, acct: str, content: str, **fields) -> dict:
        return {"id": str(status_id), "created_at": "2024-06-01T12:00:00.000Z", "content": content,
                "url": f"https://social.example/@{acct}/{status_id}", "uri": f"https://social.example/s/{status_id}",
                "in_reply_to_id": None, "spoiler_text": "", "visibility": "public", "language": "en",
                "favourites_count": 3, "reblogs_count": 1, "replies_count": 0,
                "account": {"id": "1", "acct": acct, "display_name": acct.title(), "followers_count": 42,
                            "note": "<p>bio with <b>HTML</b></p>", "url": f"https://social.example/@{acct}"},
                **fields}

    def add_tagged(self, tag: str, status: dict) -> None:
        self.statuses.setdefault(tag, []).append(status)

    def add_mention(self, notification_id: int, status: dict) -> None:
        self.notifications.append({"id": str(notification_id), "type": "mention",
                                   "created_at": status["created_at"], "account": status["account"],
                                   "status": status})

    def respond(self, request: Request) -> Response:
        found = re.fullmatch(r"/api/v1/timelines/tag/([^/]+)", request.path)
        if found:
            return self.window(request, self.statuses.get(found[1], []), 40)
        if request.path == "/api/v1/notifications":
            name, expected = self.notification_credential or ("Authorization", None)
            if expected and request.headers.get(name) != expected:
                return json_response({"error": "The access token is invalid"}, status=401)
            kinds = request.args.getlist("types[]")
            return self.window(request, [n for n in self.notifications if not kinds or n["type"] in kinds], 80)
        return json_response({"error": "Record not found"}, status=404)

    def window(self, request: Request, items: list[dict], most: int) -> Response:
        limit = min(int(request.args.get("limit", 20)), most)
        newer = [i for i in items if int(i["id"]) > int(request.args.get("min_id") or
                                                        request.args.get("since_id") or 0)]
        if "max_id" in request.args:
            newer = [i for i in newer if int(i["id"]) < int(request.args["max_id"])]
        newer.sort(key=lambda i: int(i["id"]))
        # min_id: the page right after it; otherwise (since_id, max_id or nothing): the newest page
        page = newer[:limit] if "min_id" in request.args else newer[-limit:]
        page.reverse()
        headers = {}
        if page:
            base = f"{self.url}{request.path}"
            headers["Link"] = (f'<{base}?max_id={page[-1]["id"]}>; rel="next", '
                               f'<{base}?min_id={page[0]["id"]}>; rel="prev"')
        return json_response(page, headers=headers)


# --- a generic REST API ---------------------------------------------------------------------------------------

class FakeRest(FakeApi):
    """`GET /v1/contacts?updated_since=…`, records in `data.items`, paged in one of three styles."""

    PATH = "/v1/contacts"

    def __init__(self, server, style: str, credential=None, page_size: int = 2):
        super().__init__(server, credential)
        self.style, self.page_size = style, page_size
        self.records: list[dict] = []

    def add(self, number: int, updated_at: str, **fields) -> None:
        self.records = [r for r in self.records if r["id"] != number]
        self.records.append({"id": number, "name": f"Contact {number}", "contact": {"email": f"c{number}@ex.com"},
                             "updated_at": updated_at, **fields})

    def respond(self, request: Request) -> Response:
        if request.path != self.PATH:
            return json_response({"error": "not found"}, status=404)
        since = request.args.get("updated_since")
        matching = [r for r in self.records if since is None or r["updated_at"] >= since]
        offset = {"link": lambda: int(request.args.get("offset", 0)),
                  "cursor": lambda: untoken(request.args["cursor"])["offset"] if "cursor" in request.args else 0,
                  "page": lambda: (int(request.args.get("page", 1)) - 1) * int(request.args.get("per_page", 2)),
                  }[self.style]()
        size = int(request.args.get("per_page", self.page_size))
        page = matching[offset:offset + size]
        more = offset + size < len(matching)
        body, headers = {"data": {"items": page}, "meta": {}}, {}
        if self.style == "link" and more:
            query = urlencode({**({"updated_since": since} if since else {}), "offset": offset + size})
            headers["Link"] = f'<{self.url}{self.PATH}?{query}>; rel="next"'
        if self.style == "cursor":
            body["meta"]["next_cursor"] = token({"offset": offset + size}) if more else None
        return json_response(body, headers=headers)
