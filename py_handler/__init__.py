"""The items API as an AWS Lambda function: `py_handler.app.handler` is the entry point."""
