"""The generated documents: `python -m docs.generate` (or `make docs`) writes docs/errors.md and
docs/openapi.json from the code. Kept out of py_handler/, whose modules go into the Lambda package.
"""
