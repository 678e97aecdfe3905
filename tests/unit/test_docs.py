"""The project's documentation lives in the repo: nothing points a user at the developers' design notes,
every docs/ page the code cites exists, and docs/marts.md covers every mart BI tools can read."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
#: What users have: the package, the dbt project, the suites, the docs and the READMEs.
USER_FACING = ["orchestration", "dbt_project/models", "dbt_project/macros", "dbt_project/seeds", "expectations", "docs"]
SUFFIXES = {".py", ".sql", ".yml", ".yaml", ".md", ".csv", ".json"}


def user_facing_files() -> list[Path]:
    files = [REPO / "README.md", REPO / "dbt_project" / "dbt_project.yml", REPO / "Makefile"]
    for folder in USER_FACING:
        files += [p for p in (REPO / folder).rglob("*") if p.suffix in SUFFIXES and p.is_file()]
    return files


def test_no_file_sends_a_user_to_the_design_notes():
    offenders = []
    for path in user_facing_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for pattern in (r"DESIGN\.md", r"\.\./shared\b", r"shared/reference"):
            offenders += [f"{path.relative_to(REPO)}: {m.group(0)}" for m in re.finditer(pattern, text)]
    assert offenders == []


def test_every_docs_page_the_project_cites_exists():
    cited = set()
    for path in user_facing_files():
        cited |= set(re.findall(r"\bdocs/([a-z_-]+\.md)", path.read_text(encoding="utf-8", errors="replace")))
    assert cited, "the code cites no docs page"
    missing = sorted(page for page in cited if not (REPO / "docs" / page).exists())
    assert missing == []


def test_docs_marts_describes_every_mart_with_its_grain():
    from orchestration.defs.exports.assets import MART_KEYS

    text = (REPO / "docs" / "marts.md").read_text()
    for key in MART_KEYS:
        match = re.search(rf"\*\*`{key.path[-1]}`\*\* — (.*)", text)
        assert match, key.path[-1]
        assert match.group(1).startswith("one row per"), key.path[-1]
