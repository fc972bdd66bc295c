"""The layers stay apart: flows know nothing of HTTP and see providers only
through their interface; nothing below the routes imports a route."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("path", sorted((ROOT / "components" / "flows").glob("*.py")), ids=lambda p: p.name)
def test_flows_know_nothing_of_http_and_see_providers_only_through_the_interface(path):
    imports = _imports(path)
    assert not {name for name in imports if name.startswith(("starlette", "httpx", "routes"))}
    providers = {name for name in imports if name.startswith("components.providers")}
    assert providers <= {"components.providers.interface"}


def test_no_component_imports_a_route():
    for path in (ROOT / "components").rglob("*.py"):
        assert not {name for name in _imports(path) if name.startswith("routes")}, path
