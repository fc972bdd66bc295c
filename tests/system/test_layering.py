"""The layers, top to bottom; an import only ever points down (or stays in its layer):

    app.py                        the process
    routes/                       the step table and one module per journey
    components/web/, admin*.py    everything else that knows HTTP; the operator's commands
    components/flows/, housekeeping.py   what a visitor (or the clock) can do, knowing no HTTP
    components/services.py        the services every flow gets
    components/providers/, storage/, oidc/   verifiers and senders; the database; OpenID Connect's
                                  keys, tokens and requests
    components/*.py               plain helpers (settings, phones, passwords, text, …)

Flows see providers only through their interface."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = (
    ("app",),
    ("routes",),
    ("components.web", "components.admin", "components.admin_apps"),
    ("components.flows", "components.housekeeping"),
    ("components.services",),
    ("components.providers", "components.storage", "components.oidc"),
    ("components",),
)
OURS = ("app", "routes", "components")


def _name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> list[Path]:
    return [ROOT / "app.py", *sorted((ROOT / "routes").rglob("*.py")), *sorted((ROOT / "components").rglob("*.py"))]


def _imports(path: Path) -> set[str]:
    """Every module of ours that `path` imports (`from components import metrics` is components.metrics)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    ours = {name for name in found if name.split(".")[0] in OURS}
    return {name for name in ours if (ROOT / Path(*name.split("."))).with_suffix(".py").exists()}


def layer(module: str) -> int:
    for depth, prefixes in enumerate(LAYERS):
        if any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes):
            return depth
    raise AssertionError(f"{module} is in no layer")


@pytest.mark.parametrize("path", _modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_every_import_points_down_the_layers(path):
    module = _name(path)
    upward = {name for name in _imports(path) if layer(name) < layer(module)}
    assert not upward, f"{module} (layer {layer(module)}) imports from above: {sorted(upward)}"


def test_the_order_is_checked_on_every_module_and_catches_an_import_upward():
    assert layer("components.web.render") < layer("components.flows.signup") < layer("components.services")
    assert layer("components.services") < layer("components.storage.users") < layer("components.phones")
    assert "components.web.twilio_webhooks" not in _imports(ROOT / "components" / "providers" / "twilio_sms.py")
    assert _imports(ROOT / "components" / "flows" / "checking.py") >= {"components.metrics", "components.flows.signin"}


@pytest.mark.parametrize("path", sorted((ROOT / "components" / "flows").glob("*.py")), ids=lambda p: p.name)
def test_flows_know_nothing_of_http_and_see_providers_only_through_the_interface(path):
    tree = ast.parse(path.read_text())
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    names |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert not {name for name in names if name.startswith(("starlette", "httpx"))}
    providers = {name for name in names if name.startswith("components.providers")}
    assert providers <= {"components.providers.interface"}
