"""What `sam build` leaves in .aws-sam/build: the function's package, the layer of each
architecture, and a template that gives the function the layer of its own architecture.

Skipped until `sam build` has run (`make check-template` runs it, then this file).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import Table

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / ".aws-sam" / "build"
EVENTS = ROOT / "tests" / "events"
# e_machine of the ELF header: EM_AARCH64 and EM_X86_64.
MACHINES = {"arm64": 183, "x86_64": 62}


@pytest.fixture(scope="module")
def built() -> dict[str, Any]:
    template = BUILD / "template.yaml"
    if not template.is_file():
        pytest.skip("sam build has not run (make check-template)")
    document: dict[str, Any] = yaml.safe_load(template.read_text(encoding="utf-8"))
    return document


def layer_for(template: dict[str, Any], architecture: str) -> str:
    """The layer the function gets when the stack's Architecture parameter is `architecture`."""

    def holds(condition: str) -> bool:
        left, right = template["Conditions"][condition]["Fn::Equals"]
        assert left == {"Ref": "Architecture"}
        return bool(right == architecture)

    [layer] = template["Resources"]["ItemsFunction"]["Properties"]["Layers"]
    condition, when_true, when_false = layer["Fn::If"]
    chosen = when_true if holds(condition) else when_false
    logical_id: str = chosen["Ref"]
    assert holds(template["Resources"][logical_id]["Condition"]), "the chosen layer is created"
    return logical_id


def elf_machine(path: Path) -> int:
    header = path.read_bytes()[:20]
    assert header[:6] == b"\x7fELF\x02\x01"  # 64-bit, little-endian
    return int.from_bytes(header[18:20], "little")


@pytest.mark.parametrize("architecture", sorted(MACHINES))
def test_the_function_gets_the_layer_of_its_architecture(
    built: dict[str, Any], architecture: str
) -> None:
    # GIVEN the built template, with the stack's Architecture parameter set to `architecture`
    resources = built["Resources"]
    assert built["Parameters"]["Architecture"]["Default"] == "arm64"
    assert resources["ItemsFunction"]["Properties"]["Architectures"] == [{"Ref": "Architecture"}]
    # WHEN the function's layer is resolved
    layer = resources[layer_for(built, architecture)]
    # THEN that layer is built for the same processor, and so is the module it carries
    assert layer["Properties"]["CompatibleArchitectures"] == [architecture]
    assert layer["Metadata"]["BuildArchitecture"] == architecture
    content = BUILD / layer["Properties"]["ContentUri"]
    [module] = (content / "python" / "rust_core").glob("*.so")
    assert module.name == "_rust_core.abi3.so"
    assert elf_machine(module) == MACHINES[architecture]
    assert (content / "python" / "aws_lambda_powertools").is_dir()
    assert not (content / "python" / "boto3").exists()


def test_the_function_package_is_the_handler_alone(built: dict[str, Any]) -> None:
    package = BUILD / built["Resources"]["ItemsFunction"]["Properties"]["CodeUri"]
    files = sorted(p.relative_to(package).as_posix() for p in package.rglob("*") if p.is_file())
    shipped = sorted(
        f"py_handler/{p.name}"
        for p in (ROOT / "py_handler").iterdir()
        if p.suffix in (".py", ".json") and p.name not in ("local.py", "dynamo_local.py")
    )
    assert files == shipped
    assert "py_handler/app.py" in files and "py_handler/schema.json" in files


# Linux alone loads the manylinux module (an Intel Mac says x86_64 too).
@pytest.mark.skipif(
    sys.platform != "linux" or os.uname().machine != "x86_64",
    reason="runs the x86_64 build natively, on Linux",
)
def test_the_x86_64_build_serves_a_request(
    built: dict[str, Any], table: Table, tmp_path: Path
) -> None:
    # GIVEN the built function and its x86_64 layer on sys.path, as Lambda lays them out
    resources = built["Resources"]
    code = BUILD / resources["ItemsFunction"]["Properties"]["CodeUri"]
    layer = BUILD / resources[layer_for(built, "x86_64")]["Properties"]["ContentUri"] / "python"
    invoke = (
        "import json, sys\n"
        "from py_handler.app import handler\n"
        "import rust_core\n"
        "class Context:\n"
        "    function_name = 'items'; memory_limit_in_mb = 1024; aws_request_id = 'r-1'\n"
        "    invoked_function_arn = 'arn:aws:lambda:us-east-1:123456789012:function:items'\n"
        "    def get_remaining_time_in_millis(self): return 20_000\n"
        "reply = handler(json.load(sys.stdin), Context())\n"
        "print(json.dumps([reply['statusCode'], reply['body'], rust_core.__file__]))\n"
    )
    # WHEN it handles the recorded POST event, from outside the clone
    env = {**os.environ, "PYTHONPATH": f"{code}:{layer}", "POWERTOOLS_METRICS_DISABLED": "true"}
    done = subprocess.run(
        [sys.executable, "-c", invoke],
        input=(EVENTS / "http_api_post_item.json").read_text(encoding="utf-8"),
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    # THEN it answers 201 with rust_core from the layer, and the order is in the table
    assert done.returncode == 0, done.stderr
    status, body, module = json.loads(done.stdout.splitlines()[-1])
    assert status == 201
    assert module.startswith(str(layer))
    order = {
        "id": "order-1",
        "customer": {"id": "c-42", "name": "Ada Lovelace"},
        "currency": "EUR",
        "lines": [{"sku": "WIDGET-1", "qty": 2, "price": 9.99}],
    }
    assert json.loads(body) == order
    assert table.items() == {
        "order-1": {
            "id": {"S": "order-1"},
            "customer": {"M": {"id": {"S": "c-42"}, "name": {"S": "Ada Lovelace"}}},
            "currency": {"S": "EUR"},
            "lines": {
                "L": [{"M": {"sku": {"S": "WIDGET-1"}, "qty": {"N": "2"}, "price": {"N": "9.99"}}}]
            },
        }
    }
