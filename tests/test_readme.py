"""The README shows the lifecycle diagram generated from the table, and the two quick-start commands."""

import re

from tests.conftest import REPO_ROOT
from workflows.lifecycle import mermaid


def readme() -> str:
    return (REPO_ROOT / "README.md").read_text()


def test_readme_diagram_is_the_generated_one():
    block = re.search(r"```mermaid\n(.*?)```", readme(), re.S)
    assert block, "README has no mermaid block"
    assert block.group(1).strip() == mermaid().strip(), "run: python -m workflows.lifecycle --mermaid"


def test_quick_start_has_exactly_two_commands_and_ci_runs_the_test_one():
    section = readme().split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```bash\n(.*?)\n```", section, re.S)
    assert len(commands) == 2 and all("\n" not in c for c in commands)
    assert "seed-demo" in commands[0] and "flask --app app run" in commands[0]
    ci = (REPO_ROOT / ".ci" / "run").read_text()
    assert commands[1] in ci
