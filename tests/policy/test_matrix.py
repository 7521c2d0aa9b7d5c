"""The written firewall matrix is the generated one, and nothing else finds its way in."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.cli import app as cli
from hub.policy.firewall import Firewall
from hub.policy.matrix import MATRIX_HEADING, as_markdown, page_with_matrix
from tests.conftest import POLICY_DIR

runner = CliRunner()
LOG_LINE = "2026-11-22 17:14:33 [info     ] policy.loaded                  digest=037534c612f4bf80"
# Every line under the matrix heading is a kind's heading, a table row, or blank.
MATRIX_LINE = re.compile(r"(### [a-z_]+|\|.*\||)")


@pytest.fixture(scope="module")
def firewall() -> Firewall:
    return Firewall(POLICY_DIR)


def matrix_section(page: str) -> str:
    _, _, section = page.partition(f"\n{MATRIX_HEADING}\n")
    return section.split("\n## ", 1)[0]


def test_the_matrix_in_firewall_md_is_exactly_what_the_generator_writes(
    firewall: Firewall,
) -> None:
    page = (POLICY_DIR / "FIREWALL.md").read_text(encoding="utf-8")

    assert page == page_with_matrix(page, firewall), (
        "policies/FIREWALL.md is out of date: run `mash-hub policy matrix --write`"
    )
    section = matrix_section(page)
    assert section.strip() == as_markdown(firewall).strip()
    strays = [line for line in section.splitlines() if not MATRIX_LINE.fullmatch(line)]
    assert strays == []


def test_policy_matrix_prints_the_tables_and_sends_its_log_to_stderr(firewall: Firewall) -> None:
    result = runner.invoke(cli, ["policy", "matrix", "--policy-dir", str(POLICY_DIR)])

    assert result.exit_code == 0, result.output
    assert result.stdout == as_markdown(firewall)
    assert "policy.loaded" in result.stderr


def test_policy_matrix_write_replaces_a_pasted_log_line_and_keeps_the_prose(
    tmp_path: Path, firewall: Firewall
) -> None:
    policy_dir = tmp_path / "policies"
    shutil.copytree(POLICY_DIR, policy_dir)
    page = policy_dir / "FIREWALL.md"
    written = page.read_text(encoding="utf-8")
    page.write_text(
        written.replace(f"{MATRIX_HEADING}\n\n", f"{MATRIX_HEADING}\n\n{LOG_LINE}\n"),
        encoding="utf-8",
    )

    result = runner.invoke(cli, ["policy", "matrix", "--policy-dir", str(policy_dir), "--write"])

    assert result.exit_code == 0, result.output
    assert page.read_text(encoding="utf-8") == written
    assert "policy.loaded" not in page.read_text(encoding="utf-8")


def test_a_later_section_survives_a_rewrite(firewall: Firewall) -> None:
    page = f"# Firewall\n\n{MATRIX_HEADING}\n\n{LOG_LINE}\nstale\n\n## Changes\n\nNone yet.\n"

    rewritten = page_with_matrix(page, firewall)

    assert rewritten == (
        f"# Firewall\n\n{MATRIX_HEADING}\n\n{as_markdown(firewall)}\n## Changes\n\nNone yet.\n"
    )


def test_a_page_without_the_matrix_heading_is_refused(tmp_path: Path, firewall: Firewall) -> None:
    policy_dir = tmp_path / "policies"
    shutil.copytree(POLICY_DIR, policy_dir)
    (policy_dir / "FIREWALL.md").write_text("# The firewall\n\nNo tables here.\n")

    result = runner.invoke(cli, ["policy", "matrix", "--policy-dir", str(policy_dir), "--write"])

    assert result.exit_code == 1
    assert "has no '## The matrix' heading" in result.stderr
    assert (policy_dir / "FIREWALL.md").read_text() == "# The firewall\n\nNo tables here.\n"
