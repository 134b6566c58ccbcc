"""`nexa eval` on the dev set (tests/data/eval/dev_assistant.yaml) against the test server: a score floor and no
wrong-record write. The floor sits a little under the dev score; a change that makes the assistant understand less
fails here. The blind set is never run in CI (it is scored by hand, before and after a change to the model)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC
from pathlib import Path

DEV_SET = Path(__file__).parent / "data" / "eval" / "dev_assistant.yaml"
FLOOR = 0.92


def test_the_dev_set_scores_above_its_floor_with_no_wrong_record_write(database_url: str, tmp_path: Path):
    env = {**os.environ, "DATABASE_URL": database_url, "NEXA_HOME": str(tmp_path), "PYTHONPATH": str(Path(__file__).parents[1])}
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "NEXA_LLM_BASE_URL"):
        env.pop(var, None)
    nexa = Path(sys.executable).with_name("nexa")
    done = subprocess.run([str(nexa), "eval", str(DEV_SET), "--json"], env=env, capture_output=True,
                          text=True, timeout=1800, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    failed = "\n".join(f"{f['case']}: {'; '.join(f['failures'])}" for f in report["failed"])
    assert report["wrong_record_writes"] == 0, failed
    assert report["pass_rate"] >= FLOOR, f"dev score {report['pass_rate']:.1%} under the floor {FLOOR:.0%}:\n{failed}"
    assert report["cases"] >= 120 and set(report["per_category"]) >= {"read", "write", "ai", "kb", "manager", "support",
                                                                        "safety", "smalltalk", "context"}


def test_a_case_file_with_an_unknown_check_is_refused(tmp_path: Path):
    from assistant.evaluation import load_cases

    bad = tmp_path / "bad.yaml"
    bad.write_text('now: "2026-06-10T09:00:00+00:00"\ncases:\n  - {id: a, as: john@nexa.test, turns: ["hi"], expect: {answer_hs: ["x"]}}\n')
    try:
        load_cases(bad)
    except ValueError as err:
        assert "answer_hs" in str(err)
    else:
        raise AssertionError("an unknown check was accepted")


def test_field_values_compare_the_way_the_case_format_says():
    from datetime import date, datetime
    from decimal import Decimal

    from store.evaluation import value_matches

    assert value_matches(Decimal("32000.00"), 32000) and not value_matches(Decimal(28000), "32000")
    assert value_matches("Qualified", "qualified") and value_matches("budget 80k signed off", {"contains": "80K"})
    assert value_matches(date(2026, 6, 12), "2026-06-12")
    assert value_matches(datetime(2026, 6, 16, 14, tzinfo=UTC), "2026-06-16T14:00:00+00:00")
    assert value_matches(datetime(2026, 6, 16, 14, tzinfo=UTC), "2026-06-16")
    assert value_matches(81, {"gte": 80, "lte": 90}) and not value_matches(79, {"gte": 80})
    assert value_matches(None, None) and not value_matches(None, "x")


def test_a_write_names_only_the_record_every_word_points_to():
    from assistant.offline_model import _covers

    assert _covers("cedarline renewl", "Cedarline Co - Renewal 172")  # a typo still names it
    assert not _covers("cedarline renewl", "Cedarline Co - Pilot 134")
    assert not _covers("initech renewal", "Cedarline Co - Renewal 172")
