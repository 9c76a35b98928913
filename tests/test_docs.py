"""The docs run as written: the site builds under ``mkdocs build --strict``, its API reference covers every public
name, and every ``python``, ``pycon`` and ``bash`` block of README.md and docs/ runs, with shown outputs checked.

How a page's blocks run (one workspace per page, blocks in page order, as a reader would type them):
- the workspace is a temporary folder that looks like the clone's root (``mathreward/`` is a link to the package, so
  ``mathreward/data/...`` paths work), with this interpreter's ``bin`` first on PATH;
- ``bash`` blocks run with ``bash -euo pipefail``; an ``output`` block right after one is the expected stdout
  (``...`` matches anything, runs of whitespace are equal);
- ``python`` blocks run in one namespace per page; a ``# -> TEXT`` line after a ``print(...)`` line is the expected
  output of that print (checked over the whole block's stdout, in order);
- ``pycon`` blocks are doctests;
- ``text``, ``console``, ``yaml``, ``json`` and ``toml`` blocks are shown, not run: the few commands in them need a
  GPU, the network, another package (verl, OpenRLHF, Ray) or many minutes, and the page says which.
The README's two set-up blocks (a fresh virtualenv and the installs) are not run here: CI runs the test block as
written (tests/test_setup_docs.py pins that contract).

Several pages start from the demo's tiny policy (``mathreward demo --quick --stages policy``). The first page builds
it; later pages find that build already in their workspace, so the same command takes the demo's own reuse path
(a saved policy whose settings match is reused), which saves a warm-up per page.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
DOCS = REPO_ROOT / "docs"
PAGES = [REPO_ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]
RUN = {"python", "pycon", "bash"}
SHOWN = {"text", "console", "yaml", "json", "toml", "output"}
SETUP_PREFIX = "python3 -m venv .venv && . .venv/bin/activate && "
FENCE = re.compile(r"^```([\w-]*)[^\n]*\n(.*?)^```[ \t]*$", re.S | re.M)
CHECK = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
API_PACKAGES = ("verifiers", "rewards", "curation", "reward_models", "rl", "scoring")


@dataclass
class Block:
    lang: str
    code: str
    line: int
    expected: str | None = None  # the ``output`` block that follows a bash block


def blocks(page: Path) -> list[Block]:
    """The fenced blocks of ``page`` in order, each ``output`` block attached to the block before it."""
    text = page.read_text(encoding="utf-8")
    found: list[Block] = []
    for match in FENCE.finditer(text):
        lang, code = match.group(1), match.group(2)
        line = text.count("\n", 0, match.start()) + 1
        if lang == "output":
            assert found and found[-1].lang == "bash" and found[-1].expected is None, (
                f"{page.name}:{line}: an output block must follow a bash block"
            )
            found[-1].expected = code
            continue
        assert lang in RUN | SHOWN, f"{page.name}:{line}: fenced block needs a language from {sorted(RUN | SHOWN)}"
        found.append(Block(lang, code, line))
    return found


def _check_output(where: str, expected: str, got: str) -> None:
    if not doctest.OutputChecker().check_output(expected, got, CHECK):
        pytest.fail(f"{where}: output differs\n--- expected\n{expected}\n--- got\n{got}")


def _printed_expectations(code: str) -> str:
    """The ``# -> TEXT`` lines of a python block, as the stdout they promise."""
    return "".join(line.split("# -> ", 1)[1] + "\n" for line in code.splitlines() if line.startswith("# -> "))


def _workspace(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "mathreward").symlink_to(REPO_ROOT / "mathreward", target_is_directory=True)
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env["TQDM_DISABLE"] = "1"
    return env


def run_bash(code: str, cwd: Path, env: dict[str, str], timeout: float = 300) -> tuple[int, str, str]:
    """Run one bash block in its own process group; whatever it leaves running (a server) is killed afterwards."""
    process = subprocess.Popen(
        ["bash", "-euo", "pipefail", "-c", code],
        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        return -1, stdout, f"timed out after {timeout} s\n{stderr}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    return process.returncode, stdout, stderr


POLICY = Path("demo_out") / "policy"


def run_page(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, policy_cache: Path) -> None:
    env = _workspace(tmp_path)
    if (policy_cache / "policy.json").is_file() and "--stages policy" in page.read_text(encoding="utf-8"):
        shutil.copytree(policy_cache, tmp_path / POLICY)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    name = page.relative_to(REPO_ROOT)
    for block in blocks(page):
        where = f"{name}:{block.line}"
        if block.lang == "bash":
            if block.code.startswith(SETUP_PREFIX):
                continue
            code, stdout, stderr = run_bash(block.code, tmp_path, env)
            assert code == 0, f"{where}: exit {code}\n{stdout[-3000:]}\n{stderr[-3000:]}"
            if block.expected is not None:
                _check_output(where, block.expected, stdout)
        elif block.lang == "python":
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(block.code, where, "exec"), namespace)  # noqa: S102 - the docs' own examples
            expected = _printed_expectations(block.code)
            if expected:
                _check_output(where, expected, out.getvalue())
        elif block.lang == "pycon":
            test = doctest.DocTestParser().get_doctest(block.code, namespace, where, str(page), block.line)
            report = io.StringIO()
            runner = doctest.DocTestRunner(optionflags=CHECK)
            runner.run(test, out=report.write, clear_globs=False)
            assert runner.failures == 0, f"{where}:\n{report.getvalue()}"
    if (tmp_path / POLICY / "policy.json").is_file() and not (policy_cache / "policy.json").is_file():
        shutil.copytree(tmp_path / POLICY, policy_cache, dirs_exist_ok=True)


RUNNABLE = [page for page in PAGES if any(b.lang in RUN for b in blocks(page))]


@pytest.fixture(scope="module")
def policy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo_policy")


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("page", RUNNABLE, ids=[str(p.relative_to(REPO_ROOT)) for p in RUNNABLE])
def test_every_code_block_runs_as_written(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, policy_cache: Path
) -> None:
    run_page(page, tmp_path, monkeypatch, policy_cache)


def test_every_fenced_block_has_a_known_language() -> None:
    for page in PAGES:
        blocks(page)  # asserts on unknown languages and stray output blocks


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-5000:]
    return out


def test_site_builds_strict_with_generated_reference(site: Path) -> None:
    cli = (site / "reference" / "cli" / "index.html").read_text(encoding="utf-8")
    from mathreward.cli import build_parser

    parser = build_parser()
    commands = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"][0].choices
    for name in commands:
        assert f"mathreward {name}" in cli, name
    rewards = (site / "reference" / "rewards" / "index.html").read_text(encoding="utf-8")
    from mathreward.rewards import available_rewards

    for name in available_rewards():
        assert f"<code>{name}</code>" in rewards, name


def _inventory(site: Path) -> set[str]:
    """Names in the site's objects.inv (Sphinx inventory v2, written by mkdocstrings)."""
    raw = (site / "objects.inv").read_bytes()
    body = zlib.decompress(raw.split(b"\n", 4)[4]).decode()
    return {line.split(" ", 1)[0] for line in body.splitlines() if line}


def public_names() -> list[str]:
    """Every public name the API reference must cover: each package's ``__all__``, and every public function or
    class defined in each of its modules."""
    import importlib
    import inspect
    import pkgutil

    names = []
    for package_name in API_PACKAGES:
        package = importlib.import_module(f"mathreward.{package_name}")
        names += [f"{package.__name__}.{n}" for n in getattr(package, "__all__", ())]
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}."):
            if any(part.startswith("_") for part in info.name.split(".")):
                continue
            module = importlib.import_module(info.name)
            for attr, value in vars(module).items():
                if attr.startswith("_") or not (inspect.isfunction(value) or inspect.isclass(value)):
                    continue
                if getattr(value, "__module__", None) == module.__name__:
                    names.append(f"{module.__name__}.{attr}")
    return names


def test_api_reference_covers_every_public_name(site: Path) -> None:
    documented = _inventory(site)
    missing = [name for name in public_names() if name not in documented]
    # a package's __all__ names are documented where they are defined (mkdocstrings follows re-exports there)
    missing = [name for name in missing if not _defined_elsewhere_and_documented(name, documented)]
    assert not missing, f"{len(missing)} public names missing from the API reference: {missing[:20]}"


def _defined_elsewhere_and_documented(name: str, documented: set[str]) -> bool:
    import importlib

    module_name, attr = name.rsplit(".", 1)
    value = getattr(importlib.import_module(module_name), attr, None)
    home = getattr(value, "__module__", None)
    return home is not None and f"{home}.{attr}" in documented


def test_verdict_statuses_page_names_every_status() -> None:
    from mathreward.verifiers.verdict import STATUSES

    page = (DOCS / "reference" / "verdicts.md").read_text(encoding="utf-8")
    for status in STATUSES:
        assert f"`{status}`" in page, status


def test_every_page_is_in_the_nav() -> None:
    nav = (REPO_ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    listed = set(re.findall(r":\s*([\w./-]+\.md)\s*$", nav, flags=re.M))
    pages = {str(page.relative_to(DOCS)) for page in DOCS.rglob("*.md")}
    assert pages == listed, (
        f"add to mkdocs.yml's nav: {sorted(pages - listed)}; missing files: {sorted(listed - pages)}"
    )


def test_readme_links_lead_to_files_of_the_repository() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", readme)
    assert len(targets) > 20, targets
    missing = [t for t in targets if "://" not in t and not (REPO_ROOT / t).exists()]
    assert not missing, missing
