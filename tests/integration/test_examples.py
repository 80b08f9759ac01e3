"""The library guide cannot rot: every script under examples/ runs (as a user runs it,
on a fresh SQLite file in a temporary folder), type-checks under ``mypy --strict``, and
every Python block of docs/library.md is a verbatim excerpt of one of them."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
GUIDE = ROOT / "docs" / "library.md"

# Runs the script as ``python examples/x.py`` would, then reports any web framework or
# HTTP layer it loaded (msgspec may load: the SQL adapter encodes JSON columns with it).
RUNNER = ("import runpy, sys; runpy.run_path(sys.argv[1], run_name='__main__'); "
          "print('frameworks:', sorted({m.split('.')[0] for m in sys.modules} & "
          "{'litestar', 'uvicorn', 'granian'} | {m for m in sys.modules "
          "if m.startswith('shopcore.entrypoints.http')}))")


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 4


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda path: path.name)
def test_the_example_runs_on_a_fresh_sqlite_file(script: Path, tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-c", RUNNER, str(script)], cwd=tmp_path,
                            capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    assert result.stdout.splitlines()[-1] == "frameworks: []"


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda path: path.name)
def test_the_example_has_an_async_main_and_runs_it_as_a_script(script: Path) -> None:
    tree = ast.parse(script.read_text(encoding="utf-8"))
    assert any(isinstance(node, ast.AsyncFunctionDef) and node.name == "main"
               for node in tree.body)
    assert 'if __name__ == "__main__":\n    asyncio.run(main())' in script.read_text()
    assert ast.get_docstring(tree), "say what the example shows"


def test_the_examples_type_check_strictly() -> None:
    mypy = Path(sys.executable).with_name("mypy")
    result = subprocess.run([str(mypy), "--strict", "--no-incremental", *map(str, EXAMPLES)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def python_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", markdown, flags=re.MULTILINE | re.DOTALL)


def code_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def test_every_python_block_of_the_guide_is_taken_from_an_example() -> None:
    blocks = python_blocks(GUIDE.read_text(encoding="utf-8"))
    assert len(blocks) >= 4
    sources = {path.name: code_lines(path.read_text(encoding="utf-8")) for path in EXAMPLES}
    for block in blocks:
        wanted = code_lines(block)
        assert any(
            lines[i:i + len(wanted)] == wanted for lines in sources.values()
            for i in range(len(lines) - len(wanted) + 1)
        ), "not in any example (edit the example, then copy it):\n" + block


def test_the_guide_names_every_example() -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    assert [p.name for p in EXAMPLES if f"examples/{p.name}" not in guide] == []


def test_the_readme_library_snippet_runs(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Use it as a library", 1)[1]
    (snippet,) = python_blocks(section.split("\n## ", 1)[0])
    script = tmp_path / "snippet.py"
    script.write_text(snippet, encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", RUNNER, str(script)], cwd=tmp_path,
                            capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == ["0 []", "frameworks: []"]
