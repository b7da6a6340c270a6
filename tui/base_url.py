"""Is a base URL one a request can go to? Said in words before anything is sent."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

API_PATH = "/api/v1"
_DOTTED_NUMBERS = re.compile(r"[0-9.]+")
_BLANK_OR_CONTROL = re.compile(r"[\x00-\x20\x7f-\x9f\s]")


def is_loopback_host(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def base_url_problem(url: str) -> str | None:
    """What is wrong with `url` as an API base URL, or None when requests can go to it."""
    blank = _BLANK_OR_CONTROL.search(url)
    if blank:
        return f"it holds a space or control character at position {blank.start()} (a stray quote or newline?)"
    try:
        parts = urlsplit(url)
        port = parts.port  # a port out of 0-65535 raises here
    except ValueError as exc:
        return f"not a valid URL ({exc})"
    if parts.scheme not in ("http", "https"):
        return "it must start with http:// or https://"
    host = parts.hostname
    if not host:
        return "it names no host"
    if parts.username is not None or parts.password is not None:
        return "it holds a user name or password, which errors would print; the API key is the credential"
    if _DOTTED_NUMBERS.fullmatch(host):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            return f"{host} is not an IPv4 address"
    if port == 0:
        return "port 0 cannot be connected to"
    import httpx  # the one that will send the requests has the last word (IDNA, characters)

    try:
        httpx.URL(url)
    except httpx.InvalidURL as exc:
        return f"not a valid URL ({exc})"
    return None


def shown_url(url: str) -> str:
    """The URL as an error may print it: any user name and password in it replaced by ***."""
    return re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@", r"\1***@", url)


def path_looks_wrong(url: str) -> bool:
    """True when a base URL's path does not end in /api/v1 (DashScope's and `threadscope serve`'s)."""
    try:
        path = urlsplit(url).path.rstrip("/")
    except ValueError:
        return True
    return not path.endswith(API_PATH)


def with_api_path(url: str) -> str:
    """The base URL with /api/v1 on its origin: the fix to suggest for a wrong path."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{API_PATH}"
