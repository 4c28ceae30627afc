"""One invocation as the Lambda Python runtime makes it, for packaging/sam_local_api.py.

    python -I lambda_process.py CODE_DIR LAYER_DIR...  < event.json

The function's code and its layers' python/ folders go first on sys.path (Lambda's /var/task and
/opt/python); the handler is the one AWS_LAMBDA_FUNCTION_HANDLER names. The event is read from
stdin and the handler's return value written as JSON to the original stdout, or Lambda's error
document when the handler raises. Whatever the function prints (its log lines) goes to stderr,
as Lambda keeps the log apart from the response.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
import uuid


class Context:
    """The attributes of Lambda's context object that Powertools and the handler read."""

    def __init__(self, timeout_seconds: int) -> None:
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]
        self.memory_limit_in_mb = int(os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"])
        self.aws_request_id = str(uuid.uuid4())
        self.invoked_function_arn = (
            f"arn:aws:lambda:{os.environ['AWS_REGION']}:123456789012:function:{self.function_name}"
        )
        self.log_group_name = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def main() -> None:
    sys.path[0:0] = sys.argv[1:]
    # The response leaves by a descriptor of its own; fd 1 (print, loggers) becomes stderr.
    response = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    module_name, _, name = os.environ["AWS_LAMBDA_FUNCTION_HANDLER"].rpartition(".")
    handler = getattr(importlib.import_module(module_name), name)
    event = json.load(sys.stdin)
    try:
        result = handler(event, Context(int(os.environ["AWS_LAMBDA_FUNCTION_TIMEOUT"])))
    except Exception as error:  # Lambda reports any exception to the caller
        result = {
            "errorMessage": str(error),
            "errorType": type(error).__name__,
            "stackTrace": traceback.format_tb(error.__traceback__),
        }
    response.write(json.dumps(result))
    response.close()


if __name__ == "__main__":
    main()
