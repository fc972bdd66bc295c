"""The documents say what the code does: every limit SECURITY.md names is a
setting with the default it gives."""

import re
from dataclasses import fields
from pathlib import Path

from components.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SHOWN_AS = {(): {"any", "none"}}


def _limits_table() -> dict[str, str]:
    text = (ROOT / "SECURITY.md").read_text()
    rows = re.findall(r"^\| `([A-Z0-9_]+)` \| ([^|]+) \|", text, flags=re.M)
    return {name: default.strip() for name, default in rows}


def test_security_md_gives_every_limit_with_the_default_the_code_has():
    defaults = {field.name.upper(): field.default for field in fields(Settings)}
    table = _limits_table()
    assert len(table) > 30
    for name, shown in table.items():
        assert name in defaults, f"SECURITY.md names {name}, which is not a setting"
        default = defaults[name]
        assert shown == str(default) or shown in SHOWN_AS.get(default, set()), f"{name}: {shown} != {default!r}"
