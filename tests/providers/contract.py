"""Checks a request against Twilio's own OpenAPI specs: method, path and its
parameters, body encoding, required and known fields, enum values, auth.

The specs in tests/specs/ are copies of twilio-oai's (the same files as
../shared/specs/), kept here so a fresh clone can run the tests.
"""

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SPECS = Path(__file__).resolve().parent / "specs"
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Operation:
    template: str
    method: str
    spec: dict
    document: dict

    def resolve(self, schema: dict) -> dict:
        while "$ref" in schema:
            node = self.document
            for part in schema["$ref"].removeprefix("#/").split("/"):
                node = node[part]
            schema = node
        return schema

    def parameters(self) -> list[dict]:
        path_item = self.document["paths"][self.template]
        return [*path_item.get("parameters", []), *self.spec.get("parameters", [])]

    def form_schema(self) -> dict | None:
        body = self.spec.get("requestBody")
        return self.resolve(body["content"][FORM]["schema"]) if body else None

    def example(self, status: str, name: str | None = None) -> dict:
        examples = self.spec["responses"][status]["content"]["application/json"]["examples"]
        return examples[name or next(iter(examples))]["value"]


@cache
def _documents() -> tuple[dict, ...]:
    return tuple(json.loads(path.read_text()) for path in sorted(SPECS.glob("*.json")))


def _pattern(template: str) -> re.Pattern:
    return re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$")


def find(method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
    for document in _documents():
        for template, item in document["paths"].items():
            found = _pattern(template).match(path)
            if found and method.lower() in item:
                return Operation(template, method.lower(), item[method.lower()], document), found.groupdict()
    return None


def violations(method: str, path: str, content_type: str, form: dict[str, list[str]], authorization: str) -> list[str]:
    """Everything about this request the spec would not accept (empty: it conforms)."""
    located = find(method, path)
    if located is None:
        return [f"{method} {path}: no such operation in the specs"]
    operation, path_values = located
    problems = []
    for parameter in operation.parameters():
        if parameter["in"] != "path":
            continue
        pattern = parameter.get("schema", {}).get("pattern")
        if pattern and not re.search(pattern, path_values[parameter["name"]]):
            problems.append(f"path parameter {parameter['name']} does not match {pattern}")
    if operation.spec.get("security") and not authorization.startswith("Basic "):
        problems.append("no HTTP Basic credentials")
    schema = operation.form_schema()
    if schema is None:
        return problems + ([f"unexpected body fields {sorted(form)}"] if form else [])
    if not content_type.startswith(FORM):
        problems.append(f"body is {content_type or 'missing'}, the spec wants {FORM}")
    properties = schema.get("properties", {})
    for name in schema.get("required", []):
        if name not in form:
            problems.append(f"required field {name} is missing")
    for name, values in form.items():
        if name not in properties:
            problems.append(f"field {name} is not in the spec")
            continue
        allowed = operation.resolve(properties[name]).get("enum")
        if allowed and any(value not in allowed for value in values):
            problems.append(f"field {name}={values} is not one of {allowed}")
        if len(values) > 1 and operation.resolve(properties[name]).get("type") != "array":
            problems.append(f"field {name} is repeated")
    return problems
