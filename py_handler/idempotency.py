"""`Idempotency-Key` on `POST /items` (draft-ietf-httpapi-idempotency-key-header): the id of a
record without one derives from the key and the caller, so that a retried create finds its own
item instead of making a second one. No table of keys and no extra call: the create's condition
(`attribute_not_exists`) already answers with the item that is there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from py_handler.errors import BadRequest

HEADER = "idempotency-key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
INVALID_KEY = (
    "The Idempotency-Key header must be one string of 1 to 255 printable ASCII characters, "
    'quoted ("...") or bare.'
)


def record_id(headers: Mapping[str, str], event: Mapping[str, Any]) -> str | None:
    """The id a record without one gets under this request's `Idempotency-Key` (None without
    the header): a UUID (version 8, RFC 9562) of a SHA-256 of the caller and the key, so that
    two callers' keys never meet. `BadRequest` for a header that is not one key."""
    value = headers.get(HEADER)
    if value is None:
        return None
    key = _parse(value)
    import hashlib  # here, not at init: hashlib costs milliseconds of cold start

    digest = bytearray(hashlib.sha256(f"{caller(event)}\0{key}".encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x80  # version 8: custom
    digest[8] = (digest[8] & 0x3F) | 0x80  # the RFC's variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def caller(event: Mapping[str, Any]) -> str:
    """Who calls, where API Gateway's authorizer says: the IAM principal's ARN, or the JWT's
    issuer and subject (HTTP APIs); the IAM user ARN, Cognito's subject or a Lambda authorizer's
    principal (REST APIs). Empty for an anonymous caller: then all share one key space."""
    context = _member(event, "requestContext")
    authorizer = _member(context, "authorizer")
    iam = _text(_member(authorizer, "iam"), "userArn") or _text(
        _member(context, "identity"), "userArn"
    )
    if iam:
        return f"iam {iam}"
    claims = _member(_member(authorizer, "jwt"), "claims") or _member(authorizer, "claims")
    subject = _text(claims, "sub")
    if subject:
        return f"jwt {_text(claims, 'iss')} {subject}"
    principal = _text(authorizer, "principalId")
    return f"principal {principal}" if principal else ""


def _parse(value: str) -> str:
    """The key of a header value: an RFC 8941 String (`"..."`, `\\"` and `\\\\` escaped), as the
    draft asks, or the bare key many clients send."""
    value = value.strip(" \t")
    if value.startswith('"'):
        key, escaped, closed = [], False, False
        for char in value[1:]:
            if closed:
                raise BadRequest(INVALID_KEY)  # something after the closing quote
            if escaped:
                if char not in '"\\':
                    raise BadRequest(INVALID_KEY)
                key.append(char)
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                closed = True
            else:
                key.append(char)
        value = "".join(key) if closed and not escaped else ""
        printable = range(0x20, 0x7F)
    else:
        printable = range(0x21, 0x7F)  # bare: no spaces
        if "," in value or '"' in value:  # several keys, joined by the gateway
            raise BadRequest(INVALID_KEY)
    if not 0 < len(value) <= MAX_KEY_LENGTH or any(ord(c) not in printable for c in value):
        raise BadRequest(INVALID_KEY)
    return value


def _member(parent: Any, name: str) -> Any:
    """`parent[name]` when both are mappings (events from elsewhere may hold anything)."""
    if isinstance(parent, Mapping):
        child = parent.get(name)
        if isinstance(child, Mapping):
            return child
    return None


def _text(parent: Any, name: str) -> str:
    value = parent.get(name) if isinstance(parent, Mapping) else None
    return value if isinstance(value, str) else ""
