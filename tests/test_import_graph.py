"""The package's modules import each other one way: the static import graph of mathreward/ has no circle.

The graph is read with ast from every module's source: imports at module level and inside functions alike (a
function-level import only delays a circle), `from pkg import sub` pointing at the submodule when `sub` is one.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "mathreward"


def module_names(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every .py under the package folder ``root``, and every compiled module,
    declared by its stub (a .pyi without a .py: its stub imports nothing)."""
    names = {}
    stubs = [stub for stub in root.rglob("*.pyi") if not stub.with_suffix(".py").exists()]
    for file in sorted([*root.rglob("*.py"), *stubs]):
        parts = list(file.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = file
    return names


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the package's modules it imports anywhere in its source (module level, functions, classes)."""
    modules = module_names(root)
    top = root.name
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, file in modules.items():
        is_package = file.name == "__init__.py"
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"), filename=str(file))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(node, name, is_package)
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.append(sub if sub in modules else base)
            for target in targets:
                if target != top and not target.startswith(top + "."):
                    continue
                while target not in modules and "." in target:  # `import a.b.c` where c is an attribute
                    target = target.rsplit(".", 1)[0]
                if target in modules and target != name:
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each as one cycle through it."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_cycle_through(graph, set(component)) for component in components]


def _cycle_through(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """One concrete path start -> ... -> start inside a strongly connected component (breadth-first)."""
    start = min(component)
    parents: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for nxt in sorted(graph[node] & component):
                if nxt == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(parents[path[-1]])
                    return [start, *reversed(path[:-1]), start] if node != start else [start, start]
                if nxt not in parents:
                    parents[nxt] = node
                    following.append(nxt)
        frontier = following
    raise AssertionError(f"no cycle through {sorted(component)}")


def test_the_package_import_graph_has_no_circle() -> None:
    graph = import_graph(PACKAGE)
    assert len(graph) > 50 and "mathreward.rewards.registry" in graph
    assert "mathreward.rewards.compose" in graph["mathreward.rewards.registry"]
    found = cycles(graph)
    report = "\n".join(" -> ".join(cycle) for cycle in found)
    print(report or "no import circle")
    assert not found, f"import circles in mathreward/:\n{report}"


def test_the_graph_sees_function_level_and_relative_imports(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("from . import c\n")
    (pkg / "a.py").write_text("import os\nfrom pkg.sub import b\n")
    (pkg / "sub" / "b.py").write_text("def f():\n    from ..a import g\n    return g\n")
    (pkg / "sub" / "c.py").write_text("import pkg.sub.b.thing\n")
    graph = import_graph(pkg)
    assert graph == {
        "pkg": set(),
        "pkg.a": {"pkg.sub.b"},
        "pkg.sub": {"pkg.sub.c"},
        "pkg.sub.b": {"pkg.a"},
        "pkg.sub.c": {"pkg.sub.b"},
    }
    assert cycles(graph) == [["pkg.a", "pkg.sub.b", "pkg.a"]]


def test_rewards_holds_no_command_line_code() -> None:
    """rewards/ is reward functions, the registry and trainer adapters; command lines live in */commands.py."""
    for file in sorted((PACKAGE / "rewards").rglob("*.py")):
        tree = ast.parse(file.read_text(encoding="utf-8"))
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        assert not imported & {"argparse", "click", "typer", "optparse"}, file
        main_guard = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.Compare)
            and isinstance(node.left, ast.Name)
            and node.left.id == "__name__"
            and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in node.comparators)
        ]
        assert not main_guard, f"{file} runs as a script"
    assert not (PACKAGE / "rewards" / "commands.py").exists() and not (PACKAGE / "rewards" / "__main__.py").exists()
