"""`nexa eval` on the dev sets (tests/data/eval/dev_assistant.yaml to dev28_assistant.yaml, pillars_assistant.yaml) against
the test server: a score floor and no wrong-record write. The floor sits a little under the dev score; a change that
makes the assistant understand less fails here. The blind set is never run in CI (it is scored by hand, before and after a change to the model)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC
from pathlib import Path

import pytest

from tests.support.paths import DATA, ROOT

EVAL = DATA / "eval"
# dev: written by the NLU's developers (100 % measured); dev2 to dev6: written by someone who never read the NLU
# code, tuned on since (98.8 %, 97.1 %, 96.2 %, 90.8 % and 91.5 % measured; dev4 was 69.2 %, dev5 65.8 % and dev6 70.0 %
# before); dev7 likewise (55.8 % before, 73.3 % after round 8, 79.2 % after round 9, 85.8 % after round 10); dev8 likewise (62.5 % before,
# 76.7 % after round 9, 81.7 % after round 10, 84.2 % after round 11); dev9 likewise (64.2 % before, 94.2 % after round
# 10, 100 % after round 11); dev10 likewise (79.2 % before, 95.8 % after round 11); dev11 likewise (72.0 % before,
# 92.0 % after round 12; dev7 90.0 %, dev8 85.8 % after it); dev12 likewise (78.2 % before, 88.1 % after the lead's reading
# round, 95.0 % after round 13); dev13 and dev14 likewise (80.0 % and 72.3 % before, 92.0 % and 86.1 % after round 13);
# dev15 likewise (81.4 % before, 93.1 % after round 14); dev16 and dev17 likewise (67.3 % and 58.4 % before, 84.2 % and
# 69.3 % after round 15); dev18 and dev19 likewise (72.5 % and 67.7 % before round 16); dev20 likewise (68.9 % before
# round 17); dev21 and dev22 likewise (86.1 % and 83.1 % before round 18); dev23 likewise (79.1 % before round 19);
# dev24 likewise (82.4 % before round 20); dev25 to dev27 likewise (89.9 %, 86.9 % and 91.1 % before round 21 or its
# later parts); dev28 likewise (91.9 % before round 22).
# Each floor sits a little under its score.
FLOORS = {
    "dev_assistant.yaml": 0.97,
    "dev2_assistant.yaml": 0.9,
    "dev3_assistant.yaml": 0.94,
    "dev4_assistant.yaml": 0.92,
    "dev5_assistant.yaml": 0.85,
    "dev6_assistant.yaml": 0.85,
    "dev7_assistant.yaml": 0.72,
    "dev8_assistant.yaml": 0.72,
    "dev9_assistant.yaml": 0.88,
    "dev10_assistant.yaml": 0.9,
    "dev11_assistant.yaml": 0.87,  # look-alike names, records across turns: 72.0 % (1 wrong-record write) -> 92.0 % (0)
    "dev12_assistant.yaml": 0.9,  # managers, support agents, follow-up turns: 78.2 % (1 wrong-record write) -> 95.0 % (0)
    "dev13_assistant.yaml": 0.87,  # a working day as Slack threads: 80.0 % (1 wrong-record write) -> 92.0 % (0)
    "dev14_assistant.yaml": 0.82,  # writes that could land on the wrong record: 72.3 % (0) -> 86.1 % (0)
    "dev15_assistant.yaml": 0.88,  # writes on the wrong record, two changes in a message: 81.4 % (2) -> 93.1 % (0)
    "dev16_assistant.yaml": 0.84,  # writes on the wrong record, corrections, pointers: 67.3 % (0) -> 84.2 % -> 89.1 % (0)
    "dev17_assistant.yaml": 0.8,  # managers, support agents, follow-ups: 58.4 % (5) -> 69.3 % -> 85.2 % (0)
    "dev18_assistant.yaml": 0.9,  # reads, refinements of a list, follow-ups: 72.5 % (0) -> 98.0 % (0)
    "dev19_assistant.yaml": 0.9,  # wrong-record traps, pointers into lists: 67.7 % (1) -> 78.4 % -> 94.1 % (0)
    "dev20_assistant.yaml": 0.95,  # managers, support agents, follow-up turns: 68.9 % (1) -> 97.1 % -> 98.1 % (0)
    "dev21_assistant.yaml": 0.95,  # the whole product, mostly reps: 86.1 % (2) -> 100 % (0)
    "dev22_assistant.yaml": 0.94,  # the whole product again, mostly reps: 83.1 % (2) -> 98.0 % (0)
    "dev23_assistant.yaml": 0.94,  # context and rep writes weighted: 79.1 % (4) -> 98.0 % (0)
    "dev24_assistant.yaml": 0.93,  # context and rep writes weighted again: 82.4 % (1) -> 96.6 % (0)
    "dev25_assistant.yaml": 0.95,  # the whole product, context and rep writes weighted: 89.9 % (0) -> 99.3 % (0)
    "dev26_assistant.yaml": 0.95,  # context, rep writes and managers weighted: 86.9 % (4) -> 99.4 % (0)
    "dev27_assistant.yaml": 0.95,  # rep writes and context weighted: 91.1 % (0) -> 94.5 % -> 100 % (0)
    "dev28_assistant.yaml": 0.95,  # the whole product, context and rep writes weighted: 91.9 % (0) -> 98.6 % (0)
    "pillars_assistant.yaml": 0.9,  # lists, campaigns, commissions, catalog, orders, health, inbox: 12.5 % -> 100 %
}

# Sets about one part of the assistant, not the whole mix of categories: the areas around the records (40 requests);
# look-alike names, records across turns, managers, reads and refusals (dev11, 100); managers, support agents and
# follow-up turns (dev12, 101); a working day as threads of turns (dev13, 100); writes that could land on the wrong record
# (dev14, 101; dev15, 102, with two changes in one message; dev16, 101, with corrections and pointers); managers,
# support agents and their follow-ups again (dev17, 101); reads, refinements of the list just shown and follow-ups
# (dev18, 102); writes that could land on the wrong record again, pointers into lists among the traps (dev19, 102);
# managers, support agents and the turns that lean on the one before again (dev20, 103); the whole product, mostly
# reps, in categories of its own (dev21, 101; dev22, 148; dev23 to dev25, 148 each, weighted to context and rep
# writes; dev26, 160, weighted to context, rep writes and managers; dev27, 146, rep writes and context; dev28, 148,
# context and rep writes).
FOCUSED = {
    "pillars_assistant.yaml",
    "dev11_assistant.yaml",
    "dev12_assistant.yaml",
    "dev13_assistant.yaml",
    "dev14_assistant.yaml",
    "dev15_assistant.yaml",
    "dev16_assistant.yaml",
    "dev17_assistant.yaml",
    "dev18_assistant.yaml",
    "dev19_assistant.yaml",
    "dev20_assistant.yaml",
    "dev21_assistant.yaml",
    "dev22_assistant.yaml",
    "dev23_assistant.yaml",
    "dev24_assistant.yaml",
    "dev25_assistant.yaml",
    "dev26_assistant.yaml",
    "dev27_assistant.yaml",
    "dev28_assistant.yaml",
}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_the_dev_sets_score_above_their_floor_with_no_wrong_record_write(name: str, database_url: str, tmp_path: Path):
    env = {**os.environ, "DATABASE_URL": database_url, "NEXA_HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "NEXA_LLM_BASE_URL"):
        env.pop(var, None)
    nexa = Path(sys.executable).with_name("nexa")
    done = subprocess.run(
        [str(nexa), "eval", str(EVAL / name), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    failed = "\n".join(f"{f['case']}: {'; '.join(f['failures'])}" for f in report["failed"])
    assert report["wrong_record_writes"] == 0 and report["crashes"] == 0, failed
    floor = FLOORS[name]
    assert report["pass_rate"] >= floor, (
        f"{name} score {report['pass_rate']:.1%} under the floor {floor:.0%}:\n{failed}"
    )
    if name in FOCUSED:
        return  # not the whole mix
    assert report["cases"] >= 100 and set(report["per_category"]) >= {
        "read",
        "write",
        "ai",
        "kb",
        "manager",
        "support",
        "safety",
        "smalltalk",
        "context",
    }


def test_a_case_file_with_an_unknown_check_is_refused(tmp_path: Path):
    from assistant.evaluation import load_cases

    bad = tmp_path / "bad.yaml"
    bad.write_text(
        'now: "2026-06-10T09:00:00+00:00"\ncases:\n  - {id: a, as: john@nexa.test, turns: ["hi"], expect: {answer_hs: ["x"]}}\n'
    )
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
    from assistant.offline.linking import covers

    assert covers("cedarline renewl", "Cedarline Co - Renewal 172")  # a typo still names it
    assert not covers("cedarline renewl", "Cedarline Co - Pilot 134")
    assert not covers("initech renewal", "Cedarline Co - Renewal 172")


def test_a_mention_links_to_one_record_or_is_asked_back():
    from assistant.offline.linking import link

    def hit(name, kind="deal", score=90, mine=True, detail=""):
        return {"name": name, "type": kind, "score": score, "exact": False, "mine": mine, "detail": detail}

    pilots = [hit("Northfield Technologies - Pilot 64"), hit("Northfield Technologies - Pilot 54", mine=False)]
    assert link("northfield pilot", "move the northfield pilot to won", pilots, writing=True) == (
        pilots[0],
        [],
    )  # the user's own
    assert (
        link("northfeild pilot", "move the northfeild pilot to won", pilots, writing=True)[1] == pilots
    )  # a typo: no own-guess
    spelled = [hit("Northfield Technologies - Pilot 64"), hit("Northfield Technologies - Renewal 142")]
    assert link(
        "northfield technologies",
        "set the probability on northfield technologies - pilot 64 to 90%",
        spelled,
        writing=True,
    ) == (spelled[0], [])
    other = [hit("Novaline Systems - Platform 56", score=95)]
    assert (
        link("Novaline Systems - Expansion 188", "move Novaline Systems - Expansion 188 to won", other, writing=True)[1]
        == other
    )
    people = [hit("Tom Smith", "contact", detail="Procurement Director at Acme Corp")]
    assert link("tom smyth", "log a call w/ tom smyth", people, writing=True) == (
        people[0],
        [],
    )  # one record, typo allowed
    brightwave = [hit("Dana Whitfield", "lead", detail="Brightwave")]
    assert link("Brightwave", "mark the Brightwave lead as qualified", brightwave, writing=True) == (brightwave[0], [])
    orbitpath = [hit("Orbitpath Holdings 34", "account", score=70)]
    assert link("northpath", "what deals do i have with northpath", orbitpath, writing=False)[1] == orbitpath  # a read
    acme = [hit("Acme Corp", "account", score=80)]
    assert link("acme corporation", "show me acme corporation", acme, writing=False) == (acme[0], [])  # a suffix


@pytest.mark.slow
def test_nexa_eval_scores_a_kb_set(tmp_path):
    """`nexa eval FILE.jsonl` on a knowledge-base set: the help center ingested into its own embedded server, the
    question answered with the fix and its citation, the measures as JSON."""
    cases = tmp_path / "kb.jsonl"
    cases.write_text(
        "\n".join(line for line in (EVAL / "dev_kb.jsonl").read_text().splitlines() if '"dev001"' in line) + "\n"
    )
    env = {**os.environ, "NEXA_HOME": str(tmp_path / "home"), "PYTHONPATH": str(ROOT)}
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "NEXA_LLM_BASE_URL"):
        env.pop(var, None)
    nexa = Path(sys.executable).with_name("nexa")
    done = subprocess.run(
        [str(nexa), "eval", str(cases), "--json"], env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["summary"]["overall"] | {"first_event_p50_ms": None} == {
        "n": 1,
        "resolution": 1.0,
        "citation_accuracy": 1.0,
        "false_not_found": 0.0,
        "wrong_answers": 0.0,
        "first_event_p50_ms": None,
    }
    assert report["failures"] == [] and set(report["summary"]) == {"overall", "by_corpus", "by_kind", "by_audience"}
