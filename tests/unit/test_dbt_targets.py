"""dagster-dbt's per-invocation target folders are pruned to the newest few; nothing else in target/ is touched."""

from __future__ import annotations

import os

from orchestration.defs.transformation.resources import prune_run_targets


def test_only_the_newest_run_folders_stay(tmp_path):
    tmp_path = tmp_path / "target"
    tmp_path.mkdir()
    names = [f"dbt_models-{i:07x}-{i + 100:07x}" for i in range(8)] + ["abcdef0"]
    for age, name in enumerate(names):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "dbt.log").write_text("x")
        os.utime(folder, (1_000_000 + age, 1_000_000 + age))
    (tmp_path / "manifest.json").write_text("{}")
    (tmp_path / "compiled").mkdir()
    removed = prune_run_targets(tmp_path, keep=3)
    assert sorted(p.name for p in removed) == sorted(names[:6])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*names[6:], "manifest.json", "compiled"])
    assert prune_run_targets(tmp_path / "missing") == []
