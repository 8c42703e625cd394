"""Every allowed and every refused transition of the national status list."""

from __future__ import annotations

import pytest

from motcua.dossiers.status import TRANSITIONS, Action, Status, TransitionRefused, target_of

ALLOWED = {
    (Action.ACCEPT, Status.REGISTERED): Status.ACCEPTED,
    (Action.REQUEST_SUPPLEMENT, Status.REGISTERED): Status.SUPPLEMENT_REQUESTED,
    (Action.REQUEST_SUPPLEMENT, Status.PROCESSING): Status.SUPPLEMENT_REQUESTED,
    (Action.RESUBMIT, Status.SUPPLEMENT_REQUESTED): Status.REGISTERED,
    (Action.SUPPLEMENT_RECEIVED, Status.SUPPLEMENT_REQUESTED): Status.PROCESSING,
    (Action.REFUSE, Status.REGISTERED): Status.NOT_ACCEPTED,
    (Action.REFUSE, Status.PROCESSING): Status.NOT_ACCEPTED,
    (Action.START_PROCESSING, Status.ACCEPTED): Status.PROCESSING,
    (Action.REQUEST_PAYMENT, Status.PROCESSING): Status.FINANCIAL_OBLIGATION,
    (Action.PAYMENT_DONE, Status.FINANCIAL_OBLIGATION): Status.PROCESSING,
    (Action.WITHDRAW, Status.REGISTERED): Status.WITHDRAWN,
    (Action.WITHDRAW, Status.ACCEPTED): Status.WITHDRAWN,
    (Action.WITHDRAW, Status.PROCESSING): Status.WITHDRAWN,
    (Action.WITHDRAW, Status.SUPPLEMENT_REQUESTED): Status.WITHDRAWN,
    (Action.WITHDRAW, Status.FINANCIAL_OBLIGATION): Status.WITHDRAWN,
    (Action.STOP, Status.PROCESSING): Status.STOPPED,
    (Action.STOP, Status.SUPPLEMENT_REQUESTED): Status.STOPPED,
    (Action.STOP, Status.FINANCIAL_OBLIGATION): Status.STOPPED,
    (Action.COMPLETE, Status.PROCESSING): Status.PROCESSED,
    (Action.COMPLETE, Status.FINANCIAL_OBLIGATION): Status.PROCESSED,
    (Action.RETURN_RESULT, Status.PROCESSED): Status.RETURNED,
}
ACTIONS = [a for a in Action if a != Action.REGISTER]
PAIRS = [(action, status) for action in ACTIONS for status in Status]


@pytest.mark.parametrize(("action", "status"), PAIRS, ids=lambda v: getattr(v, "name", v))
def test_transition_table(action, status):
    expected = ALLOWED.get((action, status))
    if expected is not None:
        assert target_of(action, status) == expected
    else:
        with pytest.raises(TransitionRefused) as excinfo:
            target_of(action, status)
        # The error names the current status, in words and by its national code.
        assert str(status.label) in str(excinfo.value)
        assert f"({int(status)})" in str(excinfo.value)
        assert excinfo.value.current == status


def test_the_table_has_nothing_the_test_does_not_know():
    declared = {(a, s) for a, t in TRANSITIONS.items() for s in t.sources}
    assert declared == set(ALLOWED)


def test_final_statuses_have_no_way_out():
    for status in (Status.NOT_ACCEPTED, Status.WITHDRAWN, Status.STOPPED, Status.RETURNED):
        for action in ACTIONS:
            with pytest.raises(TransitionRefused):
                target_of(action, status)
