"""The Lambda layers template.yaml deploys: one per architecture, created only for the stack's
Architecture and given to the function, each declaring every Lambda Python runtime the abi3 wheel
loads on (support.deploy resolves the template as CloudFormation would).

Needs no built artefact: `make check` runs it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from .support import deploy, load_template

ROOT = Path(__file__).resolve().parents[2]
# rust_core's wheel is cp310-abi3: CPython 3.10 and every later one. These are Lambda's runtimes
# from python3.10 on (cfn-lint knows no later one).
RUNTIMES = ["python3.10", "python3.11", "python3.12", "python3.13", "python3.14"]
# The layer each Architecture value creates, and what its compiled module is built for.
LAYERS = {"arm64": "RustCoreLayerArm64", "x86_64": "RustCoreLayerX86"}
DESCRIPTIONS = {
    "arm64": "rust_core (aarch64), Powertools for AWS Lambda, AWS X-Ray SDK",
    "x86_64": "rust_core (x86_64), Powertools for AWS Lambda, AWS X-Ray SDK",
}


def layer_resources() -> dict[str, dict[str, Any]]:
    resources: dict[str, dict[str, Any]] = load_template()["Resources"]
    return {
        logical_id: resource
        for logical_id, resource in resources.items()
        if resource["Type"] == "AWS::Serverless::LayerVersion"
    }


def test_the_runtimes_are_those_the_wheel_supports() -> None:
    # The package's own Python versions (pyproject.toml, read as text: tomllib is 3.11+):
    # requires-python and the version classifiers
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.findall(r'^requires-python = "(.*)"$', pyproject, re.MULTILINE) == [">=3.10"]
    versions = re.findall(
        r'^ +"Programming Language :: Python :: (3\.\d+)",$', pyproject, re.MULTILINE
    )
    assert [f"python{v}" for v in versions] == RUNTIMES
    # and the function's runtime is one of them
    function = load_template()["Resources"]["ItemsFunction"]["Properties"]
    assert function["Runtime"] in RUNTIMES


def test_each_layer_declares_every_runtime_and_its_architecture() -> None:
    layers = layer_resources()
    assert sorted(layers) == sorted(LAYERS.values())
    for architecture, logical_id in LAYERS.items():
        layer = layers[logical_id]
        assert layer["Properties"]["CompatibleRuntimes"] == RUNTIMES, logical_id
        assert layer["Properties"]["CompatibleArchitectures"] == [architecture]
        assert layer["Metadata"] == {"BuildMethod": "makefile", "BuildArchitecture": architecture}


def test_each_layer_is_created_only_for_its_architecture() -> None:
    # Every layer carries a Condition, and the function picks among them with Fn::If
    template = load_template()
    assert all("Condition" in layer for layer in layer_resources().values())
    assert template["Parameters"]["Architecture"]["AllowedValues"] == sorted(LAYERS)
    assert template["Parameters"]["Architecture"]["Default"] == "arm64"
    [choice] = template["Resources"]["ItemsFunction"]["Properties"]["Layers"]
    assert list(choice) == ["Fn::If"]


@pytest.mark.parametrize("architecture", sorted(LAYERS))
def test_the_stack_creates_the_layer_of_its_architecture_alone(architecture: str) -> None:
    # GIVEN the stack deployed with Architecture=architecture
    stack = deploy({"Architecture": architecture})
    # THEN it creates one layer version, that architecture's, with every supported runtime
    layers = stack.of_type("AWS::Lambda::LayerVersion")
    [(logical_id, layer)] = layers.items()
    assert logical_id.startswith(LAYERS[architecture])  # the SAM transform appends a hash
    assert layer == {
        "Content": {"S3Bucket": "artifacts", "S3Key": f"{LAYERS[architecture]}.zip"},
        "Description": DESCRIPTIONS[architecture],
        "LayerName": LAYERS[architecture],
        "CompatibleArchitectures": [architecture],
        "CompatibleRuntimes": RUNTIMES,
    }
    # AND the function, on the same processor, gets that layer and no other
    function = stack.of_type("AWS::Lambda::Function")["ItemsFunction"]
    assert function["Architectures"] == [architecture]
    assert function["Layers"] == [{"Ref": logical_id}]
    assert function["Runtime"] in RUNTIMES


def test_the_default_stack_is_arm64() -> None:
    assert deploy().resources == deploy({"Architecture": "arm64"}).resources
