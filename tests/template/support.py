"""template.yaml as CloudFormation deploys it: the SAM transform (samtranslator, what the
AWS::Serverless-2016-10-31 transform runs), then what CloudFormation does with the parameter values
before it creates anything: the Rules' assertions, the Conditions, resources whose Condition is
false left out, `Fn::If` and `Ref`s to parameters resolved, `AWS::NoValue` dropped.

Only the intrinsic functions the template uses are resolved; anything else (Refs to resources,
`Fn::GetAtt`, `Fn::Sub`, pseudo parameters) is left as written, so tests compare it exactly.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import yaml
from samtranslator.parser.parser import Parser  # type: ignore[import-untyped]
from samtranslator.translator.translator import Translator  # type: ignore[import-untyped]

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
REGION = "us-east-1"


class CloudFormationLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short forms (`!Ref x`, `!GetAtt a.b`, `!If [...]`) turned into
    the long forms (`{"Ref": "x"}`, `{"Fn::GetAtt": ["a", "b"]}`, `{"Fn::If": [...]}`) that the
    SAM translator and CloudFormation read."""


def _short_form(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_scalar(node)  # type: ignore[arg-type]
    if suffix in ("Ref", "Condition"):
        return {suffix: value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


CloudFormationLoader.add_multi_constructor("!", _short_form)


def load_template() -> dict[str, Any]:
    document: dict[str, Any] = yaml.load(
        TEMPLATE.read_text(encoding="utf-8"), Loader=CloudFormationLoader
    )
    return document


def packaged() -> dict[str, Any]:
    """The template as `sam deploy` hands it to CloudFormation: local code and layer folders
    uploaded, so S3 URIs in their place."""
    document = load_template()
    for logical_id, resource in document["Resources"].items():
        for uri in ("CodeUri", "ContentUri"):
            if uri in resource.get("Properties", {}):
                resource["Properties"][uri] = f"s3://artifacts/{logical_id}.zip"
    return document


@functools.cache
def _transformed(parameters: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    translator = Translator({}, Parser(), boto_session=boto3.session.Session(region_name=REGION))
    document: dict[str, Any] = translator.translate(packaged(), dict(parameters))
    return document


def transformed(parameters: dict[str, str]) -> dict[str, Any]:
    """The template after the SAM transform, given the stack's parameter values (a fresh copy)."""
    return copy.deepcopy(_transformed(tuple(sorted(parameters.items()))))


class _NoValue:
    """`Ref: AWS::NoValue`: the property it stands for is left out."""


NO_VALUE = _NoValue()


@dataclass
class Stack:
    """What CloudFormation would create for one set of parameter values."""

    parameters: dict[str, Any]
    conditions: dict[str, bool]
    resources: dict[str, dict[str, Any]]
    outputs: dict[str, Any]
    # The AssertDescription of each Rules assertion that fails: CloudFormation refuses the stack.
    failed_assertions: list[str]

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        """The properties of each resource of a type, by logical id."""
        return {
            logical_id: resource.get("Properties", {})
            for logical_id, resource in self.resources.items()
            if resource["Type"] == resource_type
        }


def parameter_values(template: dict[str, Any], given: dict[str, str]) -> dict[str, Any]:
    """Each parameter's value as `Ref` returns it: the given or default string, a list for a
    CommaDelimitedList."""
    unknown = set(given) - set(template["Parameters"])
    assert not unknown, f"no such parameters: {unknown}"
    values: dict[str, Any] = {}
    for name, declaration in template["Parameters"].items():
        raw = given.get(name, declaration.get("Default"))
        assert raw is not None, f"parameter {name} has no value"
        text = str(raw)
        if "AllowedValues" in declaration:
            assert text in [str(v) for v in declaration["AllowedValues"]], (name, text)
        values[name] = text.split(",") if declaration["Type"] == "CommaDelimitedList" else text
    return values


class Resolver:
    def __init__(self, parameters: dict[str, Any], conditions: dict[str, Any]) -> None:
        self.parameters = parameters
        self.declared_conditions = conditions
        self.conditions: dict[str, bool] = {}

    def condition(self, name: str) -> bool:
        if name not in self.conditions:
            self.conditions[name] = self.truth(self.declared_conditions[name])
        return self.conditions[name]

    def truth(self, expression: Any) -> bool:
        """A condition (or a Rules assertion, which may also use Fn::Contains)."""
        assert isinstance(expression, dict) and len(expression) == 1, expression
        [(function, arguments)] = expression.items()
        if function == "Condition":
            return self.condition(arguments)
        if function == "Fn::Equals":
            left, right = (self.value(a) for a in arguments)
            return bool(left == right)
        if function == "Fn::Not":
            [operand] = arguments
            return not self.truth(operand)
        if function == "Fn::And":
            return all(self.truth(a) for a in arguments)
        if function == "Fn::Or":
            return any(self.truth(a) for a in arguments)
        if function == "Fn::Contains":
            strings, string = (self.value(a) for a in arguments)
            return string in strings
        raise AssertionError(f"unexpected function in a condition: {function}")

    def value(self, node: Any) -> Any:
        """A property value with parameters, conditions and AWS::NoValue resolved."""
        if isinstance(node, list):
            return [v for v in (self.value(item) for item in node) if v is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            [(function, arguments)] = node.items()
            if function == "Ref" and arguments == "AWS::NoValue":
                return NO_VALUE
            if function == "Ref" and arguments in self.parameters:
                return self.parameters[arguments]
            if function == "Fn::If":
                condition, when_true, when_false = arguments
                return self.value(when_true if self.condition(condition) else when_false)
            if function == "Fn::Join":
                separator, items = arguments
                items = self.value(items)
                if all(isinstance(item, str) for item in items):
                    return separator.join(items)
        resolved = {key: self.value(item) for key, item in node.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}


def deploy(parameters: dict[str, str] | None = None) -> Stack:
    """The transformed template, resolved for these parameter values (defaults for the rest)."""
    given = parameters or {}
    template = transformed(given)
    values = parameter_values(template, given)
    resolver = Resolver(values, template.get("Conditions", {}))
    conditions = {name: resolver.condition(name) for name in template.get("Conditions", {})}
    failed = [
        assertion["AssertDescription"]
        for rule in template.get("Rules", {}).values()
        if "RuleCondition" not in rule or resolver.truth(rule["RuleCondition"])
        for assertion in rule["Assertions"]
        if not resolver.truth(assertion["Assert"])
    ]
    resources = {
        logical_id: resolver.value(resource)
        for logical_id, resource in template["Resources"].items()
        if "Condition" not in resource or resolver.condition(resource["Condition"])
    }
    outputs = {
        name: resolver.value(output)
        for name, output in template.get("Outputs", {}).items()
        if "Condition" not in output or resolver.condition(output["Condition"])
    }
    return Stack(values, conditions, resources, outputs, failed)
