"""`make bench` / `python -m bench`: the benchmarks, what each measures and how to run it.

    python -m bench                  # the list
    python -m bench sync_bench ...   # run bench/sync_bench.py with these arguments

Each script says in its docstring what it needs (PostgreSQL, Redis, wrk) and which database it
drops and fills; results and how to read them are in docs/benchmarks.md.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Modules the benchmarks import (settings, URL confs, shared set-up), not benchmarks.
HELPERS = {"__main__", "inprocess", "pgdb", "shaping_proxy", "ws_timing"}


def benchmarks() -> dict[str, str]:
    """Name → the first line of its docstring, for every runnable script here."""
    found = {}
    for path in sorted(HERE.glob("*.py")):
        name = path.stem
        if name in HELPERS or name.endswith(("_settings", "_urls")):
            continue
        doc = ast.get_docstring(ast.parse(path.read_text())) or ""
        found[name] = " ".join(doc.split("\n\n")[0].split())  # its first paragraph
    return found


def main(argv: list[str]) -> int:
    known = benchmarks()
    if not argv or argv[0] not in known:
        if argv:
            print(f"no benchmark {argv[0]!r}\n", file=sys.stderr)
        print("Benchmarks (python -m bench <name> [--help]; results in docs/benchmarks.md):\n")
        for name, summary in known.items():
            print(f"  {name:<16} {textwrap.shorten(summary, 100)}")
        return 2 if argv else 0
    script = HERE / f"{argv[0]}.py"
    return subprocess.call([sys.executable, str(script), *argv[1:]])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
