"""Structure figures of the production code: import cycles, longest module, longest function.

    .venv/bin/python scripts/code_metrics.py [--limit-lines 500] [--limit-function 60]

Production code is every Python file of the project's packages outside tests/ and migrations/.
An import cycle is a cycle of imports between project modules, counting the imports inside
functions too (a deferred import hides a cycle, it does not remove it); imports under
`if TYPE_CHECKING:` never run and are not counted. Apps (top-level packages) are held to the same
rule: config imports no app, audit none but Django, and so on up to bench. Exits 1
when a limit is broken or a cycle exists, so CI can hold the line.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "accounts",
    "config",
    "entitlements",
    "environments",
    "services",
    "tickets",
    "audit",
    "ops",
    "backoffice",
    "mail",
    "portal",
    "bench",
)


def production_files() -> list[Path]:
    files = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                files.append(path)
    return files


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def top_level_imports(
    tree: ast.Module, module: str, is_package: bool, *, deferred: bool = False
) -> set[str]:
    """Modules `module` imports (not under TYPE_CHECKING); with `deferred`, also the imports
    inside functions, which only hide a cycle until the function runs."""
    found: set[str] = set()

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = module.split(".")
                    anchor = anchor if is_package else anchor[:-1]
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.If) and not _is_type_checking(node):
                visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for handler in node.handlers:
                    visit(handler.body)
                visit(node.orelse)
                visit(node.finalbody)
            elif (
                isinstance(node, ast.ClassDef)
                or (deferred and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef))
                or (deferred and isinstance(node, ast.With | ast.For | ast.While))
            ):
                visit(node.body)

    visit(tree.body)
    return found


def import_graph(files: list[Path], *, deferred: bool = False) -> dict[str, set[str]]:
    modules = {module_name(path): path for path in files}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        targets = top_level_imports(tree, name, path.name == "__init__.py", deferred=deferred)
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def connect(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def functions(path: Path) -> list[tuple[int, str, int]]:
    """(lines, name, first line) of every function and method in the file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    rows = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            rows.append((node.end_lineno - start + 1, node.name, node.lineno))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit-lines", type=int, default=500)
    parser.add_argument("--limit-function", type=int, default=60)
    args = parser.parse_args()
    files = production_files()
    sizes = sorted(
        ((len(p.read_text().splitlines()), p.relative_to(ROOT)) for p in files), reverse=True
    )
    funcs = sorted(
        (
            (n, f"{p.relative_to(ROOT)}:{line} {name}")
            for p in files
            for n, name, line in functions(p)
        ),
        reverse=True,
    )
    graph = import_graph(files, deferred=True)
    found = cycles(graph)
    packages: dict[str, set[str]] = {}
    for source, targets in graph.items():
        for target in targets:
            if source.split(".")[0] != target.split(".")[0]:
                packages.setdefault(source.split(".")[0], set()).add(target.split(".")[0])
    found += cycles(packages)
    print(f"production modules: {len(files)}")
    print("longest modules: " + ", ".join(f"{p} {n}" for n, p in sizes[:3]))
    print("longest functions: " + ", ".join(f"{where} {n}" for n, where in funcs[:3]))
    print(f"import cycles (modules, then apps): {len(found)}")
    for component in found:
        print("  " + " ⇄ ".join(component))
    over_lines = [f"{p} {n}" for n, p in sizes if n > args.limit_lines]
    over_funcs = [f"{w} {n}" for n, w in funcs if n > args.limit_function]
    for row in over_lines:
        print(f"module over {args.limit_lines} lines: {row}")
    for row in over_funcs:
        print(f"function over {args.limit_function} lines: {row}")
    return 1 if (found or over_lines or over_funcs) else 0


if __name__ == "__main__":
    raise SystemExit(main())
