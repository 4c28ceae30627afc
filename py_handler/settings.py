"""The function's configuration, read from the environment once, at init."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

_DEFAULT_SCHEMA = Path(__file__).with_name("schema.json")
_TRUTHY = ("1", "true", "yes", "on", "y", "t")


class Settings(NamedTuple):
    table_name: str = "items"
    # The table's partition key (a string attribute): template.yaml's KeyName, the codec's key.
    key_name: str = "id"
    dynamodb_client: str = "direct"  # or "boto3" (py_handler.store.connect)
    item_schema: Path = _DEFAULT_SCHEMA
    # Body size limits; unset, the codec's own defaults (rust_core.RecordCodec's attributes of
    # the same name): 1 MiB for one record, 6 MB (Lambda's synchronous payload limit) for a batch.
    max_body_bytes: int | None = None
    max_batch_body_bytes: int | None = None
    metrics_namespace: str = "Items"
    tracing: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        defaults = cls()
        return cls(
            table_name=env.get("TABLE_NAME", defaults.table_name),
            key_name=env.get("KEY_NAME", defaults.key_name),
            dynamodb_client=env.get("DYNAMODB_CLIENT", defaults.dynamodb_client).strip().lower(),
            item_schema=Path(env.get("ITEM_SCHEMA", defaults.item_schema)),
            max_body_bytes=_optional_int(env.get("MAX_BODY_BYTES")),
            max_batch_body_bytes=_optional_int(env.get("MAX_BATCH_BODY_BYTES")),
            metrics_namespace=env.get("POWERTOOLS_METRICS_NAMESPACE", defaults.metrics_namespace),
            # Powertools' own rule: trace in Lambda (not under SAM local) unless turned off.
            tracing="LAMBDA_TASK_ROOT" in env
            and "AWS_SAM_LOCAL" not in env
            and env.get("POWERTOOLS_TRACE_DISABLED", "false").lower() not in _TRUTHY,
        )


def _optional_int(value: str | None) -> int | None:
    return None if value is None else int(value)


settings = Settings.from_env()
