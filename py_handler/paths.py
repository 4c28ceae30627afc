"""The resource's paths (`/items`, `/items/{id}`, `/items/batch`) and how an id travels in them.

Paths are routed percent-encoded: REST APIs (payload 1.0) hand them over so, HTTP APIs (2.0)
decoded, and `encode_path` encodes those again. Everything after `/items/` is the id, so an id
may hold any character, `/` included, and its `Location` reads back with either payload format.
"""

from __future__ import annotations

from urllib.parse import quote, unquote

ITEMS = "/items"
BATCH = "/items/batch"
MAX_KEY_BYTES = 2048  # DynamoDB's limit for a partition key
_ITEM = ITEMS + "/"

# The methods each path serves. POST is the batch route; with any other method, "batch" is an
# id like any other.
COLLECTION_METHODS = ("GET", "POST")
ITEM_METHODS = ("GET", "PUT", "DELETE")
BATCH_METHODS = ("GET", "POST", "PUT", "DELETE")


def encode_path(path: str) -> str:
    """A decoded path, percent-encoded as a REST API hands it over: an id whole, `/` included.
    A lone surrogate (from a `\\udXXX` escape in the event) is kept as bytes no id can hold."""
    if path.startswith(_ITEM):
        return _ITEM + quote(path[len(_ITEM) :], safe="", errors="surrogatepass")
    return quote(path, safe="/", errors="surrogatepass")


def encode_raw(path: str) -> str:
    """A REST path with every character a client would have percent-encoded encoded (a raw `é`,
    a quote, a control character...), its own `%XX` escapes kept: the routes match encoded
    paths only."""
    return quote(path, safe="/%!$&'()*+,;=:@", errors="surrogatepass")


def location(item_id: str) -> str:
    return _ITEM + quote(item_id, safe="")


def routable(path: str) -> bool:
    """Whether an encoded path can name a resource at all. The resolvers match a path with any
    number of trailing slashes, so `/items/kept/` would reach `kept`: a raw trailing slash names
    nothing (an id's own `/` arrives encoded)."""
    return not path.endswith("/")


def allowed_methods(path: str) -> tuple[str, ...]:
    """The methods an encoded path serves: none where it names no resource."""
    if path == ITEMS:
        return COLLECTION_METHODS
    if path == BATCH:
        return BATCH_METHODS
    segment = path[len(_ITEM) :] if path.startswith(_ITEM) else ""
    return ITEM_METHODS if segment and "/" not in segment else ()


def item_id(segment: str) -> str | None:
    """The id an encoded path segment names, or None when it cannot name one: not UTF-8 once
    decoded, or no key DynamoDB can hold (empty, or over its 2048-byte limit)."""
    key = decoded_id(segment)
    if key is None or key in (".", ".."):  # never stored: see RecordCodec's key_dot_segment
        return None
    return key if 0 < len(key.encode()) <= MAX_KEY_BYTES else None


def decoded_id(segment: str) -> str | None:
    """The id an encoded path segment spells, or None when it is not UTF-8 (a lone surrogate,
    raw or encoded, included)."""
    try:
        key = unquote(segment, errors="strict")
        key.encode()
    except UnicodeError:
        return None
    return key
