"""The documents say what the code does: every limit SECURITY.md names is a
setting with the default it gives."""

import re
from dataclasses import fields
from pathlib import Path

from components.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
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


def test_env_example_lists_every_setting_with_its_default_and_a_line_of_help():
    lines = (ROOT / ".env.example").read_text().splitlines()
    listed = {}
    for before, line in zip(lines, lines[1:], strict=False):
        if found := re.fullmatch(r"# ([A-Z0-9_]+)=(.*)", line):
            assert before.startswith("# ") and len(before) > 10, f"{found.group(1)} has no line of help"
            listed[found.group(1)] = found.group(2)
    for field in fields(Settings):
        name, default = field.name.upper(), field.default
        assert name in listed, f".env.example does not list {name}"
        shown = ",".join(default) if isinstance(default, tuple) else str(default)
        assert listed[name] == shown or name == "APP_SECRET", f"{name}: {listed[name]} != {shown}"
