"""Generic JSON REST: any API that lists records as JSON, configured entirely in sources.toml (URL, auth header,
where the records are, paging, the incremental parameter and cursor field, and a field mapping)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from connectors.api.base import Page, Setting, SourcesError, Stream, field_value, latest
from connectors.api.http import ApiError, Auth, Http, header, next_link
from connectors.mapping import MappingError, canonical_mapping, load_mapping, parse_mapping
from connectors.schema import KINDS

PAGING = ("link", "cursor", "page", "none")
SETTINGS = {
    "kind": Setting("text", required=True, help=f"the kind of records: one of {', '.join(KINDS)}"),
    "url": Setting("text", required=True, help="the address that lists the records"),
    "records": Setting("text", default="", help="the dotted path of the array of records in each answer "
                                                "(empty: the answer is the array)"),
    "mapping": Setting("text", help="a mapping file, or the name of a shipped mapping"),
    "fields": Setting("table", help="the mapping itself: canonical field = record field, as in mapping files"),
    "token_env": Setting("text", help="the environment variable holding the credential (none: no auth)"),
    "auth_header": Setting("text", default="Authorization", help="the header that carries the credential"),
    "auth_prefix": Setting("text", default="Bearer ", help="written before the credential in that header"),
    "params": Setting("table", default={}, help="query parameters sent with every request"),
    "paging": Setting("text", default="none", help=f"how to find the next page: {', '.join(PAGING)}"),
    "next_cursor": Setting("text", help="paging = cursor: the dotted path of the next cursor (or next URL)"),
    "cursor_param": Setting("text", default="cursor", help="paging = cursor: the parameter that sends it"),
    "page_param": Setting("text", default="page", help="paging = page: the page number parameter"),
    "first_page": Setting("integer", default=1, help="paging = page: the number of the first page"),
    "page_size_param": Setting("text", help="paging = page: the page size parameter"),
    "page_size": Setting("integer", help="paging = page: records per page (a shorter page is the last)"),
    "since_param": Setting("text", help="the parameter asking for records changed since the cursor"),
    "cursor_field": Setting("text", help="the record field whose latest value is the cursor"),
    "start": Setting("text", help="the value of since_param for the first sync (none: everything)"),
    "sorted": Setting("boolean", default=False, help="records come oldest change first: store the cursor with "
                                                     "every page, not only when a sync completes"),
}


def check(settings: dict, where: str) -> dict:
    if settings["kind"] not in KINDS:
        raise SourcesError(f"{where}: setting 'kind' must be one of {', '.join(KINDS)}, not {settings['kind']!r}")
    if settings["paging"] not in PAGING:
        raise SourcesError(f"{where}: setting 'paging' must be one of {', '.join(PAGING)}")
    if settings["paging"] == "cursor" and not settings["next_cursor"]:
        raise SourcesError(f"{where}: paging = \"cursor\" needs 'next_cursor', the path of the next cursor")
    if bool(settings["since_param"]) != bool(settings["cursor_field"]):
        raise SourcesError(f"{where}: 'since_param' and 'cursor_field' go together: the parameter sends the "
                           f"cursor, the field is where it comes from")
    if urlsplit(settings["url"]).scheme not in ("http", "https"):
        raise SourcesError(f"{where}: setting 'url' must be an http(s) address")
    return {**settings, "mapping": resolve_mapping(settings, where)}


def resolve_mapping(settings: dict, where: str):
    if settings["mapping"] and settings["fields"]:
        raise SourcesError(f"{where}: give 'mapping' or 'fields', not both")
    kind = KINDS[settings["kind"]]
    try:
        if settings["fields"]:
            mapping = parse_mapping({"kind": kind.name, "fields": settings["fields"]}, Path(where))
        elif settings["mapping"]:
            mapping = load_mapping(settings["mapping"], kind.name)
        else:
            return canonical_mapping(kind)
    except MappingError as exc:
        raise SourcesError(f"{where}: {exc}".replace(f"mapping {where}: ", "")) from None
    missing = [f.name for f in kind.fields if f.required and f.default is None and f.name not in mapping.fields]
    if missing or (kind.one_of and not set(kind.one_of) & set(mapping.fields)):
        needed = f"required field {missing[0]!r}" if missing else f"one of {', '.join(kind.one_of)}"
        raise SourcesError(f"{where}: the mapping has no field for {needed}")
    return mapping


def auth(settings: dict) -> Auth | None:
    if not settings["token_env"]:
        return None
    return header(settings["auth_header"], settings["token_env"], settings["auth_prefix"])


def base_url(settings: dict) -> str:
    parts = urlsplit(settings["url"])
    return f"{parts.scheme}://{parts.netloc}/"


def streams(source, http: Http) -> list[Stream]:
    return [Records(source, http)]


class Records(Stream):
    """The configured listing, page by page. Unless `sorted`, only the last page carries the cursor: a sync cut
    short fetches its whole run again, and the loader's upsert makes that harmless."""

    def __init__(self, source, http: Http):
        super().__init__(source, http)
        self.kind = self.name = self.settings["kind"]
        self.mapping = self.settings["mapping"]
        self.cursor_field = self.settings["cursor_field"]
        self.records_at = self.settings["records"]

    def pages(self, since: str | None) -> Iterator[Page]:
        s = self.settings
        url, params, page = s["url"], {**s["params"]}, s["first_page"]
        if s["since_param"] and (since or s["start"]):
            params[s["since_param"]] = since or s["start"]
        cursor, previous = since, None
        while True:
            if s["paging"] == "page":
                params = {**params, s["page_param"]: page, **({s["page_size_param"]: s["page_size"]}
                                                              if s["page_size_param"] and s["page_size"] else {})}
            response = self.http.get(url, params)
            body = self.http.decode(response)
            records = self.records(body, response.url)
            if records and records == previous:  # an API ignoring the paging parameter would loop forever
                raise ApiError(f"{self.source.name}: GET {Http.where(response.url)} answered the same page "
                               f"again; check the paging settings")
            previous = records
            if self.cursor_field:
                cursor = latest((field_value(r, self.cursor_field) for r in records if isinstance(r, dict)), cursor)
            following = self.following(response, body, records, url, params)
            yield Page(records=records, next_cursor=cursor if s["sorted"] or following is None else None,
                       answer=verbatim(response.text))
            if following is None:
                return
            url, params = following
            page += 1

    def records(self, body, url: str) -> list:
        path = self.settings["records"]
        found = field_value(body, path) if path else body
        if not isinstance(found, list):
            where = f"at {path!r}" if path else "at the top level"
            raise ApiError(f"{self.source.name}: GET {Http.where(url)} has no list of records {where}")
        return found

    def following(self, response, body, records: list, url: str, params: dict) -> tuple[str, dict | None] | None:
        """The next request as (url, params), or None after the last page."""
        s = self.settings
        if s["paging"] == "link":
            link = next_link(response)
            return (link, None) if link else None
        if s["paging"] == "cursor":
            value = field_value(body, s["next_cursor"]) if isinstance(body, dict) else None
            if value in (None, "", False):
                return None
            if str(value).startswith(("http://", "https://", "/")):
                return str(value), None
            return url, {**params, s["cursor_param"]: value}
        if s["paging"] == "page" and records and not (s["page_size"] and len(records) < s["page_size"]):
            return url, params
        return None


def verbatim(text: str) -> str | None:
    """The answer's text for the loader to read as it is, unless it holds what Python reads but JSON forbids."""
    return None if "NaN" in text or "Infinity" in text else text
