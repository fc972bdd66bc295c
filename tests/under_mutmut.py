"""How the suite runs under mutmut (bench/mutation.py), which sets MUTANT_UNDER_TEST
and runs each mutant's tests with `-x` from mutants/, in a process of its own.

A killed mutant costs the tests run before the one that fails, so those go
first: the tests that killed an earlier mutant of the same function (kept in
mutants/mutmut-kills.txt), then the quickest (mutmut's own timings). mutmut
itself passes them in no order. Outside mutmut, these hooks do nothing.
"""

import json
import math
import os
from pathlib import Path

import pytest

KILLS = "mutmut-kills.txt"  # "function test" per line, appended as mutants die
_kills_file: Path | None = None  # resolved at collection: a test may change directory


def _function_under_test() -> str | None:
    """`components.flows.sending.x__send` for mutant `…x__send__mutmut_12`."""
    name = os.environ.get("MUTANT_UNDER_TEST", "")
    return name.rsplit("__mutmut_", 1)[0] if "__mutmut_" in name else None


def pytest_xdist_auto_num_workers(config) -> int | None:
    """`-n auto` is a process per core, but none under mutmut: it already runs a
    process per core, one mutant each."""
    return 0 if "MUTANT_UNDER_TEST" in os.environ else None


def pytest_collection_modifyitems(items) -> None:
    global _kills_file
    function, timings = _function_under_test(), Path("mutmut-stats.json")
    if function is None or not timings.exists():
        return
    _kills_file = Path(KILLS).resolve()
    took = json.loads(timings.read_text())["duration_by_test"]
    killers = set()
    if _kills_file.exists():
        killers = {
            line.split(" ", 1)[1] for line in _kills_file.read_text().splitlines() if line.split(" ")[0] == function
        }
    items.sort(key=lambda item: (item.nodeid not in killers, took.get(item.nodeid, math.inf)))


@pytest.hookimpl(trylast=True)
def pytest_runtest_logreport(report) -> None:
    function = _function_under_test()
    if report.failed and function and _kills_file is not None:
        with _kills_file.open("a") as kills:  # one short append: the two workers' lines do not interleave
            kills.write(f"{function} {report.nodeid}\n")
