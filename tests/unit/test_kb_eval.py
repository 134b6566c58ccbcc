"""The answer-quality measures of assistant/kb_eval.py (pure logic) and the dev set's format."""

import pytest

from assistant.kb_eval import Case, Outcome, article_key, load_cases, resolves, summarize
from tests.support.paths import DATA

DEV = DATA / "eval" / "dev_kb.jsonl"


def _case(article: str | None = "sync-502-calendar-gateway", **kw) -> Case:
    return Case(id="x", corpus="helpcenter", audience="customer", kind="error", question="q", article=article, **kw)


def test_resolves_needs_every_required_phrase_and_one_alternative():
    case = _case(must_contain=("Reconnect",), must_contain_any=("sign in", "admin"))
    assert resolves("Choose reconnect and sign in again.", case)
    assert not resolves("Choose reconnect.", case)
    assert not resolves("Sign in again.", case)


def test_summary_separates_false_not_found_from_wrong_answers():
    outcomes = [
        Outcome(_case(), "fix", ["sync-502-calendar-gateway"], False, True, True, 10.0),
        Outcome(_case(), "symptom", ["sync-502-calendar-gateway"], False, False, True, 20.0),
        Outcome(_case(), "not found", [], True, False, None, 30.0),
        Outcome(_case(None), "answered", ["refund-policy"], False, False, None, 40.0),
    ]
    overall = summarize(outcomes)["overall"]
    assert overall["resolution"] == 0.25
    assert overall["false_not_found"] == round(1 / 3, 3)
    assert overall["wrong_answers"] == 0.5
    assert overall["citation_accuracy"] == 1.0


def test_article_keys_and_the_dev_set():
    assert article_key("/x/store/seed/helpcenter/refund-policy.md") == "refund-policy"
    assert article_key("doc_everyone_pay_everyone_pay_002") == "doc_everyone_pay_everyone_pay_002"
    cases = load_cases(DEV)
    assert len(cases) >= 50 and {c.corpus for c in cases} == {"helpcenter", "banking"}
    assert all(c.must_contain or c.must_contain_any for c in cases if c.article)


def test_staff_questions_are_asked_as_staff_and_an_unknown_audience_is_refused(tmp_path):
    cases = tmp_path / "kb.jsonl"
    line = '{{"id": "{}", "corpus": "helpcenter", "audience": "{}", "question": "q", "article": null}}'
    cases.write_text("\n".join(line.format(i, a) for i, a in enumerate(["staff", "internal", "customer"])))
    assert [c.audience for c in load_cases(cases)] == ["internal", "internal", "customer"]
    cases.write_text(line.format("x", "robot"))
    with pytest.raises(ValueError, match="x: audience must be one of"):
        load_cases(cases)


def test_a_kb_set_is_told_from_a_conversation_set(tmp_path):
    from assistant.kb_eval import is_kb_set

    assert is_kb_set(DEV)
    conversations = tmp_path / "c.jsonl"
    conversations.write_text(
        '{"id": "a", "now": "2026-06-10T09:00:00+00:00", "as": "john@nexa.test", "turns": ["hi"]}\n'
    )
    assert not is_kb_set(conversations) and not is_kb_set(DEV.with_name("dev_assistant.yaml"))
