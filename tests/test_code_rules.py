"""Rules of the code base that a reader relies on, read from the source with ast:

- no module imports another module's private name (``from .x import _y``, ``import a._b``, ``x._y`` on an imported
  module of the package);
- every public function and method of the package has annotations on its parameters and its return;
- no file of the repository refers to a path outside it (a sibling ``../shared`` folder, a machine's absolute path):
  optional datasets come from ``$MATHREWARD_DATA``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
PACKAGE = REPO_ROOT / "mathreward"
OUTSIDE_RE = re.compile(r"\.\./shared|[\"']shared[\"']\s*/\s*[\"']data|(?<![\w.])/(?:work|home|Users)/")


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_imports(root: Path) -> list[str]:
    """``file:line: what`` for every private name of the package that a module of ``root`` takes from another."""
    top = root.name
    found = []
    for file in sorted(root.rglob("*.py")):
        tree = ast.parse(file.read_text(encoding="utf-8"), str(file))
        modules: set[str] = set()  # local names bound to modules of the package
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").split(".")[0] == top):
                for alias in node.names:
                    if _private(alias.name):
                        found.append(f"{file.name}:{node.lineno}: imports {alias.name}")
                    modules.add(alias.asname or alias.name)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == top:
                        if any(map(_private, alias.name.split("."))):
                            found.append(f"{file.name}:{node.lineno}: imports {alias.name}")
                        modules.add(alias.asname or top)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and _private(node.attr)
                and isinstance(node.value, ast.Name)
                and node.value.id in modules
            ):
                found.append(f"{file.name}:{node.lineno}: uses {node.value.id}.{node.attr}")
    return found


def unannotated_functions(root: Path) -> list[str]:
    """``file:line: name`` for every public function or method (of a public class) lacking an annotation."""
    found = []

    def visit(file: Path, body: list[ast.stmt], in_class: bool) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef) and not _private(node.name):
                visit(file, node.body, True)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_"):
                args = node.args
                params = [*args.posonlyargs, *args.args, *args.kwonlyargs, *filter(None, [args.vararg, args.kwarg])]
                if in_class and params and params[0].arg in ("self", "cls"):
                    params = params[1:]
                if node.returns is None or any(param.annotation is None for param in params):
                    found.append(f"{file.name}:{node.lineno}: {node.name}")

    for file in sorted(root.rglob("*.py")):
        visit(file, ast.parse(file.read_text(encoding="utf-8"), str(file)).body, False)
    return found


def test_no_module_imports_another_modules_private_name() -> None:
    assert private_imports(PACKAGE) == []


def test_every_public_function_is_annotated() -> None:
    assert unannotated_functions(PACKAGE) == []


def test_the_checks_see_what_they_forbid(tmp_path: Path) -> None:
    package = tmp_path / "mathreward"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "a.py").write_text(
        "from . import b\nfrom .b import _hidden, shown\nimport mathreward.sub._c\n"
        "def f(x: int) -> int:\n    return b._inner(x) + shown\n"
    )
    (package / "sub" / "b.py").write_text(
        "def shown(x, y: int) -> int:\n    return x\n"
        "class Thing:\n    def method(self, z: int):\n        return z\n    def _own(self, z):\n        return z\n"
        "def _private_helper(x):\n    return x\n"
    )
    assert private_imports(package) == [
        "a.py:2: imports _hidden",
        "a.py:3: imports mathreward.sub._c",
        "a.py:5: uses b._inner",
    ]
    assert unannotated_functions(package) == ["b.py:1: shown", "b.py:4: method"]


def test_no_file_refers_outside_the_repository() -> None:
    files = [REPO_ROOT / "README.md"]
    for folder in ("mathreward", "tests", "bench", "docs"):
        files += sorted((REPO_ROOT / folder).rglob("*"))
    texts = [f for f in files if f.suffix in {".py", ".md", ".yml", ".toml", ".txt"} and f != Path(__file__).resolve()]
    assert len(texts) > 100
    found = []
    for path in texts:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if OUTSIDE_RE.search(line):
                found.append(f"{path.relative_to(REPO_ROOT)}:{number}: {line.strip()[:100]}")
    assert found == []
