"""Print the import graph between the parts of the package (subpackages and top-level modules).

    .venv/bin/python tools/import_graph.py          # one line per edge: part -> part (imports)

tests/test_layout.py checks the same graph against the allowed directions.
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent / "src" / "sitrep_ie"


def part_of(module: str) -> str:
    """'sitrep_ie.events.dates' -> 'events'; 'sitrep_ie.schema' -> 'schema'."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    return ".".join(p for p in rel.parts if p != "__init__") if rel.name == "__init__" else ".".join(rel.parts)


def edges() -> Counter:
    """(importing part, imported part) -> number of import statements, within the package."""
    out: Counter = Counter()
    for path in sorted(PKG.rglob("*.py")):
        name = module_name(path)
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    root = ".".join(base + ([node.module] if node.module else []))
                    targets = [root] if node.module else [f"{root}.{a.name}" for a in node.names]
                elif node.module and node.module.startswith("sitrep_ie"):
                    targets = [node.module]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name.startswith("sitrep_ie")]
            for t in targets:
                a, b = part_of(name), part_of(t)
                if a != b:
                    out[(a, b)] += 1
    return out


def main() -> int:
    for (a, b), n in sorted(edges().items()):
        print(f"{a:>10} -> {b:<10} ({n})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
