"""HTTP for the API connectors: a session per source with timeouts, capped retries, Retry-After, credentials from
environment variables, Link headers, and errors whose messages name the source and never hold a secret."""

from __future__ import annotations

import base64
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import requests

from connectors.progress import Reporter

log = logging.getLogger("connectors.api")
USER_AGENT = "Rapport-sync/0.1"
SECRET_MASK = "***"


@dataclass(frozen=True)
class RetryPolicy:
    """How long to wait for an answer, and how often and how long to wait before asking again."""

    timeout: float = 30.0  # seconds for the connection and for each read
    retries: int = 5  # further attempts after timeouts, refused connections, HTTP 429 and 5xx
    backoff: float = 1.0  # the first wait; each retry doubles it
    max_wait: float = 120.0  # no wait is longer; a Retry-After asking for more fails the source

    def delay(self, attempt: int) -> float:
        return min(self.backoff * 2 ** attempt, self.max_wait)


class ApiError(Exception):
    """A request that failed for good; the message is one line, names the source and holds no secret."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status  # the HTTP status that ended it, if any


class CredentialsRefused(ApiError):
    """HTTP 401 or 403: retrying cannot help, and the source's other streams would be refused too."""


@dataclass(frozen=True)
class Auth:
    """A request header built from environment variables when the sync starts; only their names are ever shown."""

    header: str
    env: tuple[str, ...]
    build: Callable[..., str]

    def resolve(self, source: str) -> tuple[str, list[str]]:
        """The header's value and the secrets to hide (the variables' values and the value built from them)."""
        values = []
        for name in self.env:
            value = os.environ.get(name, "")
            if not value.strip():
                raise CredentialsRefused(f"{source}: the environment variable {name} is not set")
            values.append(value.strip())
        header_value = self.build(*values)
        return header_value, [*values, header_value]

    @property
    def hint(self) -> str:
        return " and ".join(self.env)


def bearer(token_env: str) -> Auth:
    return Auth("Authorization", (token_env,), lambda token: f"Bearer {token}")


def header(name: str, token_env: str, prefix: str = "") -> Auth:
    return Auth(name, (token_env,), lambda token: f"{prefix}{token}")


def basic(user_env: str, password_env: str, user_suffix: str = "") -> Auth:
    """HTTP basic auth; Zendesk's API tokens are `email/token` with the token as password."""
    def build(user: str, password: str) -> str:
        return "Basic " + base64.b64encode(f"{user}{user_suffix}:{password}".encode()).decode()
    return Auth("Authorization", (user_env, password_env), build)


class Http:
    """GET JSON from one API: relative paths resolve against `base_url`, and no request leaves its host."""

    def __init__(self, source: str, base_url: str, *, auth: Auth | None = None, policy: RetryPolicy | None = None,
                 sleep: Callable[[float], None] = time.sleep, reporter: Reporter | None = None):
        self.source, self.base_url = source, base_url.rstrip("/") + "/"
        self.policy = policy or RetryPolicy()
        self.auth, self.sleep = auth, sleep
        self.reporter = reporter  # shown each wait; without one, each is logged as a warning
        self.secrets: list[str] = []
        self.unusable: ApiError | None = None  # raised by the first request, so the sync reports it per stream
        self.session = requests.Session()
        self.session.headers.update({"Accept": "application/json", "User-Agent": USER_AGENT})
        if auth:
            try:
                value, self.secrets = auth.resolve(source)
                self.session.headers[auth.header] = value
            except CredentialsRefused as exc:
                self.unusable = exc

    def get(self, url: str, params: dict | list | None = None) -> requests.Response:
        """The response to GET `url`, after retrying what may pass; raises ApiError for what will not."""
        if self.unusable:
            raise self.unusable
        url = self.absolute(url)
        attempts = self.policy.retries + 1
        for attempt in range(attempts):
            outcome = self.attempt(url, params)
            if isinstance(outcome, requests.Response):
                return outcome
            problem, asked = outcome
            if attempt + 1 == attempts:
                raise ApiError(self.redact(f"{problem}; gave up after {attempts} attempts"))
            wait = self.policy.delay(attempt) if asked is None else asked
            if wait > self.policy.max_wait:
                raise ApiError(self.redact(f"{problem} and asks to wait {wait:g} s, more than max_wait "
                                           f"{self.policy.max_wait:g} s"))
            self.pause(wait, self.redact(problem), f"attempt {attempt + 2} of {attempts} next"
                       + (", as Retry-After asks" if asked is not None else ""))
        raise AssertionError("unreachable")

    def pause(self, wait: float, problem: str, plan: str) -> None:
        """Wait before asking again. A reporter shows the wait and why, so the log keeps it for debugging only (a
        rate-limited sync would otherwise print a line per retry and nothing else)."""
        log.log(logging.DEBUG if self.reporter else logging.WARNING, "%s; retrying in %.2f s (%s)", problem, wait,
                plan)
        if self.reporter:
            self.reporter.wait(wait, f"{short_reason(problem, self.source)} ({plan})")
        try:
            self.sleep(wait)
        finally:
            if self.reporter:
                self.reporter.resume()

    def json(self, url: str, params: dict | list | None = None):
        """GET `url` and decode its JSON body."""
        return self.decode(self.get(url, params))

    def decode(self, response: requests.Response):
        """A response's JSON body, or an ApiError saying the answer was something else."""
        try:  # NaN and Infinity are not JSON, though Python reads them; they would not survive the loader
            return response.json(parse_constant=lambda constant: None)
        except ValueError:
            raise ApiError(f"{self.source}: GET {self.where(response.url)} answered with something that is not "
                           f"JSON") from None

    def attempt(self, url: str, params) -> requests.Response | tuple[str, float | None]:
        """One request: the response, or (what went wrong, the wait the server asked for) when a retry may help;
        raises when it cannot."""
        where = self.where(url)
        try:
            response = self.session.get(url, params=params, timeout=self.policy.timeout, allow_redirects=False)
        except requests.Timeout:
            return f"{self.source}: GET {where} got no answer within {self.policy.timeout:g} s", None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
            return f"{self.source}: GET {where} failed: the connection was refused or broken", None
        status = response.status_code
        if status in (401, 403):
            hint = f"; check {self.auth.hint}" if self.auth else "; this API needs credentials"
            raise CredentialsRefused(f"{self.source}: the API refused the credentials (HTTP {status}){hint}", status)
        answered = f"{self.source}: GET {where} answered HTTP {status} {response.reason or ''}".rstrip()
        if status == 429 or status >= 500:
            return answered, retry_after(response)
        if 300 <= status < 400:  # not followed: the credentials would go wherever the redirect points
            raise ApiError(self.redact(f"{answered}, a redirect; set the source's base URL to where it leads"), status)
        if status >= 400:
            raise ApiError(self.redact(answered), status)
        return response

    def absolute(self, url: str) -> str:
        """`url` resolved against the base URL; links to another host are refused, as they would carry the
        credentials there."""
        full = urljoin(self.base_url, url.lstrip("/") if not urlsplit(url).scheme else url)
        if origin(full) != origin(self.base_url):
            raise ApiError(f"{self.source}: refusing to follow a link to another host ({urlsplit(full).hostname})")
        return full

    @staticmethod
    def where(url: str) -> str:
        """The path of a URL, for messages: query strings carry cursors and, with some APIs, keys."""
        return urlsplit(url).path or "/"

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            if len(secret) >= 4:
                text = text.replace(secret, SECRET_MASK)
        return text


def short_reason(problem: str, source: str) -> str:
    """A retry's problem for a one-line display, the answer first: `HTTP 429 Too Many Requests to GET /path`
    (the display names the source already)."""
    problem = problem.removeprefix(f"{source}: ")
    request, _, answer = problem.partition(" answered ")
    return f"{answer} to {request}" if answer else problem


def origin(url: str) -> tuple:
    parts = urlsplit(url)
    return parts.scheme, parts.hostname, parts.port or {"http": 80, "https": 443}.get(parts.scheme)


def retry_after(response: requests.Response) -> float | None:
    """The wait a `Retry-After` header asks for, in seconds (it may also be an HTTP date)."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
    except (TypeError, ValueError):
        return None


def next_link(response: requests.Response, rel: str = "next") -> str | None:
    """The URL a `Link` header gives for `rel` (`<https://…>; rel="next"`), or None."""
    return response.links.get(rel, {}).get("url")
