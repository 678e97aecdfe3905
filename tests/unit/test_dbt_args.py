import json
from datetime import date

import pytest

from orchestration.defs.transformation.partitions import dbt_build_args, dbt_vars


def test_a_partition_range_reaches_dbt_only_through_vars():
    args = dbt_build_args(date(2026, 6, 1), date(2026, 6, 30))
    assert args[0] == "build"
    assert json.loads(args[args.index("--vars") + 1]) == {"min_date": "2026-06-01", "max_date": "2026-06-30"}


def test_without_a_range_the_project_defaults_apply_and_unit_tests_are_left_to_ci():
    args = dbt_build_args()
    assert "--vars" not in args
    assert args[args.index("--exclude-resource-type") + 1] == "unit_test"


def test_bad_ranges_are_refused():
    with pytest.raises(ValueError, match="before"):
        dbt_vars(date(2026, 6, 2), date(2026, 6, 1))
    with pytest.raises(ValueError, match="both"):
        dbt_build_args(date(2026, 6, 1), None)
