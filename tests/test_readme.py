"""The README's first commands stay true: CI runs the test command exactly as written."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parent.parent


def readme_commands():
    return re.findall(r"```sh\n(.*?)\n```", (ROOT / "README.md").read_text())[:2]


def test_readme_starts_with_the_two_commands():
    run, test = readme_commands()
    assert run.startswith("pip install . && budget-check examples/specs")
    assert "torch==2.13.0" in test  # the CPU build; anything else pulls gigabytes of CUDA


def test_ci_runs_the_readme_test_command():
    _, test = readme_commands()
    assert test in (ROOT / ".ci" / "run").read_text().splitlines()


def test_the_sample_configuration_loads_and_keeps_the_automatic_github_format(tmp_path):
    """Setting `format` would switch off annotations in workflows: the sample leaves it out."""
    from checker.project.config import load_config

    [sample] = re.findall(r"```toml\n(\[tool\.budget-check\]\n.*?)```", (ROOT / "README.md").read_text(), re.DOTALL)
    (tmp_path / "pyproject.toml").write_text(sample)
    assert load_config(tmp_path).format is None


def test_install_lines_resolve_until_a_release_is_on_pypi():
    """`pip install "budget-check[torch]"` names a package the index does not have."""
    pages = [ROOT / "README.md", ROOT / "action.yml", *sorted((ROOT / "docs").glob("*.md"))]
    for page in pages:
        for requirement in re.findall(r'pip install "(budget-check\[[^"]*)"', page.read_text()):
            assert " @ git+https://" in requirement, f"{page.name}: {requirement}"


def test_the_action_and_the_hooks_are_pinned_to_this_release():
    from checker import __version__

    readme = (ROOT / "README.md").read_text()
    assert set(re.findall(r"uses: budget-check/budget-check@(\S+)", readme)) == {f"v{__version__}"}
    assert set(re.findall(r"rev: (\S+)", readme)) == {f"v{__version__}"}
    assert "follow budget-check's releases" in readme
