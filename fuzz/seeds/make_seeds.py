"""Writes the named seeds of the corpus (fuzz/corpus/<target>/) from tests/corpus and realistic
records and DynamoDB answers. Run from the repository top: python3 fuzz/seeds/make_seeds.py.
Seeds are small on purpose; libFuzzer grows the corpus from them (in a scratch directory). The
files named by their SHA-1 beside them are libFuzzer's: inputs of the long runs that cover every
edge those runs reached (an edge-only set cover, `-set_cover_merge=1 -use_counters=0`), kept."""

import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
TESTS = os.path.join(ROOT, "tests", "corpus")

ORDER = {
    "id": "o-1001",
    "customer": {"id": "c-7", "name": "Ada L\u00f6velace", "email": "ada@example.com"},
    "currency": "EUR",
    "lines": [
        {"sku": "BOOK-1", "qty": 2, "price": 12.50},
        {"sku": "PEN-22", "qty": 10, "price": 0.99},
    ],
    "address": {"street": "1 Main St", "city": "Paris", "postal_code": "75001", "country": "FR"},
    "notes": "Leave at the door \U0001f4e6",
}


def dump(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def write(target, name, data):
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def test_corpus():
    for name in sorted(os.listdir(TESTS)):
        with open(os.path.join(TESTS, name), "rb") as f:
            yield name, f.read()


RECORDS = {
    "order.json": dump(ORDER),
    "order_no_id.json": dump({k: v for k, v in ORDER.items() if k != "id"}),
    "order_pretty.json": json.dumps(ORDER, indent=2).encode(),
    "order_bad_sku.json": dump({**ORDER, "lines": [{"sku": "bad sku", "qty": 0, "price": 1.001}]}),
    "order_extra.json": dump({**ORDER, "extra": [1, {"a": None}]}),
    "order_missing.json": b'{"currency":"EU","lines":[]}',
    "key_types.json": b'{"id":7}',
    "key_dot.json": b'{"id":".."}',
    "key_empty.json": b'{"id":""}',
    "key_mismatch.json": b'{"id":"j","pk":"x"}',
    "numbers.json": b'{"a":1E-130,"b":-9.9999999999999999999999999999999999999E+125,"c":0e125,"d":1.50,"e":-0}',
    "escapes.json": b'{"s":"a\\"b\\\\c\\n\\u0001\\u00e9\\ud83d\\ude00\\/","\\u00e9":"\\t"}',
    "dup_deep.json": b'{"a":' + b"[" * 33 + b'{"k":1,"k":2}' + b"]" * 33 + b"}",
}


def wire_of(value):
    """DynamoDB JSON of a plain JSON value (numbers as their JSON text)."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, (int, float)):
        return {"N": json.dumps(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, list):
        return {"L": [wire_of(v) for v in value]}
    return {"M": {k: wire_of(v) for k, v in value.items()}}


def wire_item(value):
    return {k: wire_of(v) for k, v in value.items()}


WIRE_EXTRAS = {
    "every_type.json": b'{"id":{"S":"a"},"n":{"N":"1.50"},"b":{"B":"//4AYWI="},"ok":{"BOOL":true},'
    b'"z":{"NULL":true},"l":{"L":[{"N":"1"},{"S":"x"},{"L":[]}]},"m":{"M":{"k":{"M":{}}}},'
    b'"ss":{"SS":["b","a"]},"ns":{"NS":["2","-1E+40"]},"bs":{"BS":["AQ==",""]}}',
    "mended_numbers.json": b'{"a":{"N":"+5"},"b":{"N":".5"},"c":{"N":"5."},"d":{"NS":["007","1.e5"]}}',
    "mismatches.json": b'{"a":{"S":1},"b":{"X":[1]},"c":{"SS":[]},"d":{"NS":["1","1.0"]},"e":{"B":"AR=="}}',
    "stream_image.json": b'{"id":{"S":"o-1"},"qty":{"N":"3"},"tags":{"SS":["new","gift"]},'
    b'"blob":{"B":"AAECAw=="},"deleted":{"NULL":true}}',
    "deep.json": b'{"a":' + b'{"M":{"a":' * 31 + b'{"L":[]}' + b"}}" * 31 + b"}",
}

ANSWERS = {
    "get_item.json": b'{"Item":' + dump(wire_item(ORDER)) + b"}",
    "get_item_empty.json": b"{}",
    "get_item_types.json": b'{"Item":' + WIRE_EXTRAS["every_type.json"] + b"}",
    "scan.json": b'{"Count":2,"Items":[{"id":{"S":"a"}},{"id":{"S":"b"},"s":{"SS":["x","y"]}}],'
    b'"LastEvaluatedKey":{"id":{"S":"b"}},"ScannedCount":2}',
    "scan_last.json": b'{"Count":0,"Items":[],"ScannedCount":0}',
    "batch_write.json": b'{"UnprocessedItems":{"items":[{"PutRequest":{"Item":{"n":{"N":"1"},'
    b'"id":{"S":"k\\u00e9"}}}}]}}',
    "batch_write_done.json": b'{"UnprocessedItems":{}}',
    "conditional.json": b'{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",'
    b'"message":"The conditional request failed","Item":{"id":{"S":"a"},"n":{"N":"2"}}}',
    "throttled.json": b'{"__type":"com.amazon.coral.availability#ThrottlingException","Message":"Rate exceeded"}',
    "validation.json": b'{"__type":"com.amazon.coral.validate#ValidationException",'
    b'"message":"One or more parameter values were invalid: Missing the key id in the item"}',
    "pretty.json": b'{\n  "Item" : {\n    "id" : { "S" : "a b" },\n    "l" : { "L" : [ { "N" : "-0.5" } ] }\n  }\n}\n',
}


def main():
    corpus = list(test_corpus())
    for target in ("json_parse", "json_to_item", "json_to_wire"):
        for name, data in corpus:
            write(target, name, data)
        for name, data in RECORDS.items():
            write(target, name, data)
    for name, data in RECORDS.items():
        write("codec_decode", name, data)
    for name, data in corpus:
        if name.startswith(("y_", "i_")):
            write("codec_decode", name, data)
    # wire_to_json: the DynamoDB JSON of every valid record, and hand-written items.
    for name, data in list(RECORDS.items()) + corpus:
        try:
            value = json.loads(data)
        except ValueError:
            continue
        if isinstance(value, dict) and name.startswith(("y_", "order")):
            write("wire_to_json", name, dump(wire_item(value)))
    for name, data in WIRE_EXTRAS.items():
        write("wire_to_json", name, data)
    # decode_many: arrays and NDJSON.
    orders = [
        ORDER,
        {k: v for k, v in ORDER.items() if k != "id"},
        {**ORDER, "lines": []},
        ORDER,
        7,
    ]
    write("decode_many", "array.json", dump(orders))
    write(
        "decode_many", "ndjson.ndjson", b"\n".join(dump(o) for o in orders) + b'\r\n\n  \n{"id":\n'
    )
    write(
        "decode_many",
        "mixed.json",
        b'[{"id":"a"},{"id":"a"},7,{"id":"b","n":1.5},{"id":"b","x":1,"x":2},{"pk":"x"}]',
    )
    write("decode_many", "empty.json", b" [ ] ")
    write("decode_many", "not_array.json", b'{"id":"a"}')
    write("decode_many", "bad_syntax.json", b'[{"id":"a"}, ')
    for name, data in corpus:
        if name.startswith("y_object"):
            write("decode_many", "rec_" + name, b"[" + data.strip() + b"," + data.strip() + b"]")
    for name, data in ANSWERS.items():
        write("dynamodb_answers", name, data)


main()
