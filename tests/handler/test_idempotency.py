"""`POST /items` with an `Idempotency-Key`: a record without an id gets one derived from the key
and the caller, so a retry answers the original 201 and writes nothing, and the same key with
another record is a 422. No extra table, no extra DynamoDB call."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest

from tests.support import (
    BAD_IDEMPOTENCY_KEY,
    JSON,
    EventFactory,
    Invoke,
    Reply,
    as_item,
    compact,
    error,
    http_api_event,
    order,
    problem,
    rest_api_event,
)

if TYPE_CHECKING:
    from tests.conftest import Table

UUID8 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
REPLAYED = "Idempotent-Replayed"
KEY = "8e03978e-40d5-43e8-bc93-6894a57f9324"
REUSED = problem(
    422,
    "Unprocessable Content",
    "The Idempotency-Key was used before with another record; nothing was written.",
    errors=[error("", "The Idempotency-Key was used for another record", "idempotency_key_reused")],
)
USER_ARN = "arn:aws:iam::123456789012:user/ada"


def post(
    make_event: EventFactory,
    record: dict[str, Any],
    key: str | None = KEY,
    *,
    caller: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A POST /items of `record` with `Idempotency-Key: key`, as `caller` (requestContext
    members) when given."""
    event = make_event("POST", "/items", json.dumps(record))
    if key is not None:
        if "multiValueHeaders" in event:  # payload 1.0: the header as the client spelt it
            event["headers"]["Idempotency-Key"] = key
            event["multiValueHeaders"]["Idempotency-Key"] = [key]
        else:
            event["headers"]["idempotency-key"] = key
    if caller:
        event["requestContext"].update(caller)
    return event


def created(record: dict[str, Any], item_id: str, *, replayed: bool = False) -> Reply:
    headers = {"Content-Type": JSON, "Location": f"/items/{item_id}"}
    if replayed:
        headers[REPLAYED] = "true"
    return Reply(201, headers, compact({"id": item_id, **record}))


def new_id(reply: Reply) -> str:
    item_id: str = reply.json()["id"]
    assert UUID8.fullmatch(item_id), item_id
    return item_id


@pytest.fixture
def calls(
    app: ModuleType, dynamodb_client: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[list[str]]:
    """The DynamoDB operations the function calls, in order, whichever client it uses."""
    from py_handler import routes

    made: list[str] = []
    store = routes.store
    if dynamodb_client == "direct":
        call = store.call

        def counting(operation: str, *args: Any, **kwargs: Any) -> Any:
            made.append(operation)
            return call(operation, *args, **kwargs)

        monkeypatch.setattr(store, "call", counting)
        yield made
    else:

        def count(model: Any, **kwargs: Any) -> None:
            made.append(model.name)

        events = store.client.meta.events
        events.register("before-call.dynamodb", count)
        yield made
        events.unregister("before-call.dynamodb", count)


def test_a_retry_answers_the_original_201_and_writes_nothing(
    invoke: Invoke, table: Table, make_event: EventFactory, calls: list[str]
) -> None:
    # GIVEN a record without an id, posted with an Idempotency-Key
    record = order()
    first = invoke(post(make_event, record))
    item_id = new_id(first)
    assert first == created(record, item_id)
    assert calls == ["PutItem"]  # the first request costs no extra call
    # WHEN the client sends the same request again (its answer was lost, say)
    again = invoke(post(make_event, record))
    # THEN the same 201, with the same item, says it is a replay, and the table holds one item
    assert again == created(record, item_id, replayed=True)
    assert calls == ["PutItem", "PutItem"]
    assert table.items() == {item_id: as_item({"id": item_id, **record})}


def test_the_same_key_with_another_record_is_422_and_changes_nothing(
    invoke: Invoke, table: Table, make_event: EventFactory
) -> None:
    item_id = new_id(invoke(post(make_event, order())))
    # WHEN the key comes back with another record
    reply = invoke(post(make_event, order(currency="USD")))
    # THEN 422 idempotency_key_reused, and the first item stays as it was
    assert reply == REUSED
    assert table.items() == {item_id: as_item({"id": item_id, **order()})}


def test_numbers_written_another_way_are_the_same_record(invoke: Invoke, table: Table) -> None:
    first = invoke(post(http_api_event, order()))
    item_id = new_id(first)
    event = post(http_api_event, order())
    assert '"price": 9.99}' in event["body"]
    event["body"] = event["body"].replace('"price": 9.99}', '"price": 9.990}')
    again = invoke(event)
    assert (again.status, again.headers.get(REPLAYED), again.json()["id"]) == (201, "true", item_id)
    assert len(table.items()) == 1


def test_each_key_has_its_own_item(invoke: Invoke, table: Table) -> None:
    one = new_id(invoke(post(http_api_event, order(), "key-1")))
    two = new_id(invoke(post(http_api_event, order(), "key-2")))
    assert one != two
    assert set(table.items()) == {one, two}


def test_a_quoted_key_is_the_bare_key(invoke: Invoke, table: Table) -> None:
    # RFC 8941's String, as the draft writes it, and the bare token many clients send
    first = invoke(post(http_api_event, order(), f'"{KEY}"'))
    again = invoke(post(http_api_event, order(), KEY))
    assert again == created(order(), new_id(first), replayed=True)
    assert len(table.items()) == 1


def test_the_payload_formats_agree_on_the_id(invoke: Invoke, table: Table) -> None:
    first = invoke(post(http_api_event, order()))
    again = invoke(post(rest_api_event, order()))
    assert again == created(order(), new_id(first), replayed=True)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (
            {"authorizer": {"iam": {"userArn": USER_ARN}}},
            {"authorizer": {"iam": {"userArn": "arn:aws:iam::123456789012:user/bob"}}},
        ),
        (
            {"authorizer": {"jwt": {"claims": {"iss": "https://idp", "sub": "ada"}}}},
            {"authorizer": {"jwt": {"claims": {"iss": "https://idp", "sub": "bob"}}}},
        ),
        (
            {"authorizer": {"jwt": {"claims": {"iss": "https://idp-1", "sub": "ada"}}}},
            {"authorizer": {"jwt": {"claims": {"iss": "https://idp-2", "sub": "ada"}}}},
        ),
        ({"authorizer": {"iam": {"userArn": USER_ARN}}}, {}),
        ({"identity": {"userArn": USER_ARN}}, {"identity": {"userArn": None}}),
        ({"authorizer": {"claims": {"sub": "ada"}}}, {"authorizer": {"claims": {"sub": "bob"}}}),
        ({"authorizer": {"principalId": "ada"}}, {"authorizer": {"principalId": "bob"}}),
    ],
    ids=["iam", "jwt-subject", "jwt-issuer", "iam-vs-anonymous", "rest-iam", "cognito", "lambda"],
)
def test_callers_never_share_a_key(
    invoke: Invoke, table: Table, one: dict[str, Any], other: dict[str, Any]
) -> None:
    # GIVEN one caller's create under a key
    mine = new_id(invoke(post(http_api_event, order(), caller=one)))
    # WHEN another caller uses the same key, with another record
    theirs = invoke(post(http_api_event, order(currency="USD"), caller=other))
    # THEN theirs is a new item, not a 422 nor a replay of mine
    assert theirs == created(order(currency="USD"), new_id(theirs))
    assert new_id(theirs) != mine
    assert len(table.items()) == 2


def test_the_same_caller_replays_across_its_requests(invoke: Invoke, table: Table) -> None:
    caller = {"authorizer": {"iam": {"userArn": USER_ARN}}}
    first = invoke(post(http_api_event, order(), caller=caller))
    again = invoke(post(http_api_event, order(), caller=caller))
    assert again == created(order(), new_id(first), replayed=True)


def test_a_body_with_its_own_id_keeps_the_usual_rules(
    invoke: Invoke, table: Table, make_event: EventFactory
) -> None:
    record = order(id="mine")
    first = invoke(post(make_event, record))
    assert first == Reply(201, {"Content-Type": JSON, "Location": "/items/mine"}, compact(record))
    # the same request again: the id is the body's, so an existing item is a conflict
    again = invoke(post(make_event, record))
    assert again == problem(409, "Conflict", "An item with this id exists already.")
    assert table.items() == {"mine": as_item(record)}


def test_without_the_header_each_post_makes_a_new_item(invoke: Invoke, table: Table) -> None:
    one = invoke(post(http_api_event, order(), key=None)).json()["id"]
    two = invoke(post(http_api_event, order(), key=None)).json()["id"]
    assert one != two
    assert len(table.items()) == 2


@pytest.mark.parametrize(
    "key",
    [
        "",
        '""',
        "x" * 256,
        '"' + "x" * 256 + '"',
        "caf\u00e9",
        "two words",
        "one,two",
        '"one", "two"',
        '"unclosed',
        '"bad\\escape"',
        '"a"b',
        "a\tb",
    ],
    ids=[
        "empty",
        "empty-quoted",
        "too-long",
        "too-long-quoted",
        "non-ascii",
        "space",
        "list",
        "quoted-list",
        "unclosed",
        "bad-escape",
        "after-the-quote",
        "control",
    ],
)
def test_a_header_that_is_not_one_key_is_400_and_writes_nothing(
    invoke: Invoke, table: Table, key: str
) -> None:
    assert invoke(post(http_api_event, order(), key)) == BAD_IDEMPOTENCY_KEY
    assert table.items() == {}


@pytest.mark.parametrize("key", ["x" * 255, '"' + "x" * 255 + '"', '"a \\"quoted\\" \\\\ key"'])
def test_keys_at_the_limits_are_taken(invoke: Invoke, table: Table, key: str) -> None:
    reply = invoke(post(http_api_event, order(), key))
    assert reply == created(order(), new_id(reply))


def test_an_invalid_record_with_a_key_is_rejected_as_usual(invoke: Invoke, table: Table) -> None:
    reply = invoke(post(http_api_event, {"id": 1}))
    assert reply.status == 422
    assert table.items() == {}
