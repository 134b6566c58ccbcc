"""The link calibration of `nexa eval`: each write's record by how it was found, against whether it was right."""

from __future__ import annotations

from assistant.evaluation import Link, _link_calibration


def test_writes_are_grouped_by_how_their_record_was_found_and_by_the_lead_over_the_runner_up():
    links = [
        Link("update_deal", True, None, None, False),  # the focus: no search found it
        Link("update_deal", True, 100, 40, True),
        Link("log_call", True, 74, 12, False),
        Link("log_call", False, 72, -3, False),
    ]

    rows = {row["how"]: (row["n"], row["right"]) for row in _link_calibration(links)}

    assert rows == {
        "no search": (1, 1.0),
        "exact name": (1, 1.0),
        "score 70-80": (2, 0.5),
        "lead -100-0": (1, 0.0),
        "lead 10-20": (1, 1.0),
    }
