#!/usr/bin/env python3
"""Files over 500 lines and functions over 120 lines in the given layers (issue 14's limits).

A function is a definition that starts at column 0 or 4 (inside a namespace block, a class body)
and ends at the matching closing brace at the same indentation; good enough for this code base's
clang-format style. Usage: scripts/size_limits.py [src/<layer> ...]  (default: the upper layers)."""
import pathlib
import re
import sys

UPPER = ["engine", "report", "analysis", "commands", "pipeline", "cli"]
root = pathlib.Path(__file__).resolve().parent.parent
dirs = [pathlib.Path(d) for d in sys.argv[1:]] or [root / "src" / l for l in UPPER]
dirs.append(root / "include" / "radhpc" / "io" / "job.hpp")  # the job model, when present
start = re.compile(r"^( {0,4})[A-Za-z_][^;{}]*\)\s*(const\s*)?(noexcept\s*)?(->\s*[^{]+)?\{\s*$")
bad = 0
for d in dirs:
    files = [d] if d.is_file() else sorted(list(d.glob("*.cpp")) + list(d.glob("*.hpp"))) if d.exists() else []
    for f in files:
        lines = f.read_text().split("\n")
        if len(lines) > 500:
            print(f"{f.relative_to(root)}: {len(lines)} lines (> 500)")
            bad += 1
        i = 0
        while i < len(lines):
            m = start.match(lines[i])
            if m and not lines[i].lstrip().startswith(("namespace", "struct", "class", "enum", "extern")):
                indent = m.group(1)
                j = i + 1
                while j < len(lines) and lines[j] != indent + "}" and not lines[j].startswith(indent + "};"):
                    j += 1
                n = j - i + 1
                if n > 120:
                    print(f"{f.relative_to(root)}:{i + 1}: {lines[i].strip()[:70]} {n} lines (> 120)")
                    bad += 1
                i = j
            i += 1
print(f"{bad} over the limits")
