"""Run by an installed rust_core's interpreter, outside the clone (`make check-sdist`): the
package comes from site-packages, carries the expected version, and converts a body.

    python packaging/check_install.py VERSION
"""

from __future__ import annotations

import sys

import rust_core

expected = sys.argv[1]
assert "/site-packages/" in rust_core.__file__, rust_core.__file__
assert rust_core.__version__ == expected, (rust_core.__version__, expected)
assert rust_core.json_to_wire(b'{"a":1.50}') == b'{"a":{"N":"1.50"}}'
assert rust_core.item_to_json(rust_core.json_to_item(b'{"a":[true,null]}')) == b'{"a":[true,null]}'
print(f"rust_core {rust_core.__version__} installed and working")
