"""The items API as an AWS Lambda function: `py_handler.app.handler` is the entry point."""

import os
import sys


def _import_powertools_without_botocore() -> None:
    """Powertools' package imports botocore at its own import, only to tag the user agent of the
    boto3 clients made later. The direct DynamoDB client (the default) makes none, so Powertools
    is imported with botocore hidden: botocore is then loaded only if something needs it (the
    credential chain, the boto3 store)."""
    client = os.environ.get("DYNAMODB_CLIENT", "direct").strip().lower()
    if client != "direct" or "botocore" in sys.modules or "aws_lambda_powertools" in sys.modules:
        return
    sys.modules["botocore"] = None  # type: ignore[assignment]  # `import botocore` fails
    try:
        import aws_lambda_powertools  # noqa: F401
    except ModuleNotFoundError:  # tools beside the function (the local DynamoDB) may run without
        pass
    finally:
        del sys.modules["botocore"]


_import_powertools_without_botocore()
