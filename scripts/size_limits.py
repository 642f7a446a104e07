#!/usr/bin/env python3
"""Files over 500 lines and functions over 120 lines in the given layers (issue 14's limits).

A function is a definition that starts at column 0 or 4 (inside a namespace block, a class body),
its signature on one line or continued on the next lines up to the opening brace, and ends at the
matching closing brace at the same indentation; good enough for this code base's clang-format style.
Raw strings (the report's CSS and script) are skipped. Usage: scripts/size_limits.py [src/<layer> ...]  (default: the upper layers)."""
import pathlib
import re
import sys

LIMIT, FILE_LIMIT = 120, 500  # lines of a function, of a file
UPPER = ["engine", "report", "analysis", "commands", "pipeline", "cli"]
root = pathlib.Path(__file__).resolve().parent.parent
dirs = [pathlib.Path(d).resolve() for d in sys.argv[1:]] or [root / "src" / l for l in UPPER]
dirs.append(root / "include" / "radhpc" / "io" / "job.hpp")  # the job model, when present
start = re.compile(r"^( {0,4})[A-Za-z_~][^;{}]*\)\s*(const\s*)?(noexcept\s*)?(->\s*[^{]+)?\{\s*$")
not_functions = ("namespace", "struct", "class", "enum", "extern", "if", "for", "while", "switch", "catch", "else", "do", "try", "return")
first_word = re.compile(r"^\s*([A-Za-z_]+)")


def signature(lines, i):
    """The function definition starting at line i (its signature possibly over several lines): the
    match of its joined signature, or None."""
    if not re.match(r"^ {0,4}[A-Za-z_~]", lines[i]):
        return None
    word = first_word.match(lines[i])
    if word and word.group(1) in not_functions:
        return None
    text = lines[i]
    # a signature continued on the next lines: they are indented deeper and it ends at "{"
    j = i
    while not text.rstrip().endswith(("{", ";", "}")) and "(" in text and j + 1 < len(lines) and j - i < 8:
        j += 1
        if not lines[j].startswith(" " * (len(lines[i]) - len(lines[i].lstrip()) + 1)):
            return None
        text += " " + lines[j].strip()
    return start.match(text)


bad = 0
for d in dirs:
    files = [d] if d.is_file() else sorted(list(d.glob("*.cpp")) + list(d.glob("*.hpp"))) if d.exists() else []
    for f in files:
        lines = f.read_text().split("\n")
        if len(lines) > FILE_LIMIT:
            print(f"{f.relative_to(root)}: {len(lines)} lines (> {FILE_LIMIT})")
            bad += 1
        i = 0
        while i < len(lines):
            if 'R"(' in lines[i] and ')"' not in lines[i].split('R"(', 1)[1]:  # a raw string (CSS, a script): not C++
                while i + 1 < len(lines) and ')"' not in lines[i + 1]:
                    i += 1
                i += 2
                continue
            m = signature(lines, i)
            if m:
                indent = m.group(1)
                j = i + 1
                while j < len(lines) and lines[j] != indent + "}" and not lines[j].startswith(indent + "};"):
                    j += 1
                n = j - i + 1
                if n > LIMIT:
                    print(f"{f.relative_to(root)}:{i + 1}: {lines[i].strip()[:70]} {n} lines (> {LIMIT})")
                    bad += 1
                i = j
            i += 1
print(f"{bad} over the limits")
