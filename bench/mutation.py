"""Mutation testing of the modules that guard accounts and money ([tool.mutmut] in
pyproject.toml lists them). mutmut changes one thing at a time inside a function
(a `<` for a `<=`, `True` for `False`, a number plus one, a call's argument dropped)
and runs the tests that reach that function; a mutant no test notices is a gap in
the tests, or a change that cannot be told apart (bench/mutation-results.md gives
each survivor its reason; docs/testing.md the method). Not part of the test run.

    .venv/bin/pip install mutmut && .venv/bin/python bench/mutation.py

Prints the machine, the time taken, a table per module and every survivor with its
diff (mutmut keeps its work in mutants/: a second run only re-tests what changed).
"""

import os
import platform
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTMUT = [sys.executable, "-m", "mutmut"]
# mutmut runs `mypy` (type_check_command) by name: this Python's own, where it was installed beside it.
PATH = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
TYPE_CHECK = "caught by type check"
CAUGHT = ("killed", "timeout", TYPE_CHECK)
# components.flows.checking.x_check_code__mutmut_3, components.web.csrf.xǁCsrfǁcheck__mutmut_1: status
LINE = re.compile(r"^\s+(?P<module>[\w.]+?)\.x[_ǁ]\S+__mutmut_\d+: (?P<status>[\w ]+)$")


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}"


def _row(module: str, counts: Counter[str]) -> str:
    """Caught: killed by a test, timed out, or rejected by mypy as CI would reject it."""
    total = sum(counts.values())
    caught = counts["killed"] + counts["timeout"] + counts[TYPE_CHECK]
    other = ", ".join(f"{n} {status}" for status, n in counts.items() if status not in (*CAUGHT, "survived"))
    return (
        f"{module:45} {total:8} {counts['killed']:8} {counts[TYPE_CHECK]:8} {counts['survived']:8}"
        f" {caught / max(total, 1):7.1%}  {other}"
    )


def main() -> int:
    started = time.monotonic()
    (ROOT / "mutants").mkdir(exist_ok=True)
    with (ROOT / "mutants" / "run.log").open("w") as log:  # mutmut's progress, and any test output
        run = subprocess.run(
            [*MUTMUT, "run", "--max-children", str(os.cpu_count() or 2)],
            cwd=ROOT,
            stdout=log,
            env={**os.environ, "PATH": PATH},
        )
    took = time.monotonic() - started
    listed = subprocess.run([*MUTMUT, "results", "--all", "true"], cwd=ROOT, capture_output=True, text=True)
    by_module: dict[str, Counter[str]] = defaultdict(Counter)
    survivors = []
    for line in listed.stdout.splitlines():
        if found := LINE.match(line):
            by_module[found["module"]][found["status"]] += 1
            if found["status"] == "survived":
                survivors.append(line.strip().rsplit(":", 1)[0])
    print(f"\nMachine: {machine()}; mutmut run took {took / 60:.1f} min (exit {run.returncode})\n")
    print(f"{'module':45} {'mutants':>8} {'killed':>8} {'mypy':>8} {'survived':>8} {'caught':>7}  other")
    for module, counts in [*sorted(by_module.items()), ("all", sum(by_module.values(), Counter()))]:
        print(_row(module, counts))
    print()
    for name in survivors:
        print(subprocess.run([*MUTMUT, "show", name], cwd=ROOT, capture_output=True, text=True).stdout)
    return 0 if run.returncode == 0 else run.returncode


if __name__ == "__main__":
    sys.exit(main())
