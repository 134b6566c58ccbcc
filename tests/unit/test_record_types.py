"""One `record_type` per model: references (tool results' refs, activity links, related records, proposal targets)
name a record's kind the same way everywhere, and references stored before keep working."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy.orm import Mapped, mapped_column

from assistant.messages import Message, ToolCall
from assistant.offline.dialogue import Draft, focus_of
from store.models import RECORD_TYPES, EmailMessage, InboxConversation, KbArticle, Lead
from store.models.base import Base, Entity
from store.models.enums import RecordType
from store.serialize import ref
from store.services.base import READ_RULES, RECORD_MODELS
from store.services.proposals import TARGETS


def test_every_record_model_declares_a_distinct_record_type():
    models = [m.class_ for m in Base.registry.mappers if issubclass(m.class_, Entity)]
    assert all("record_type" in vars(model) for model in models)
    assert len(RECORD_TYPES) == len(models) and all(RECORD_TYPES[model.record_type] is model for model in models)


def test_a_model_without_a_record_type_is_refused_before_it_is_mapped():
    with pytest.raises(TypeError, match="Gadget must declare its record_type"):

        class Gadget(Entity):
            __tablename__ = "gadgets"
            label: Mapped[str] = mapped_column()

    assert "gadgets" not in Base.metadata.tables


def test_the_references_enum_and_the_lookups_agree_with_the_models():
    assert {RecordType(kind) for kind in RECORD_TYPES if kind in RecordType.__members__.values()} == set(RecordType)
    assert all(RECORD_TYPES[kind] is model for kind, model in RECORD_MODELS.items())
    assert set(RECORD_MODELS.values()) == set(READ_RULES)
    assert all(RECORD_TYPES[kind] is model for kind, model in TARGETS.items())


def test_refs_use_the_record_type_not_the_table_name():
    email = EmailMessage(id=uuid.uuid4(), subject="Pricing")
    assert (
        ref(email)["type"] == "email" == RecordType.email and TARGETS[ref(email)["type"]] is EmailMessage
    )  # was "email_message"
    assert ref(Lead(id=uuid.uuid4(), first_name="Dana", last_name="Whitfield"))["type"] == "lead"
    assert (KbArticle.record_type, InboxConversation.record_type) == ("kb_article", "inbox_conversation")


@pytest.mark.parametrize("stored_type", ["email", "email_message"])
def test_a_draft_is_found_in_history_whatever_its_ref_was_called_when_stored(stored_type):
    draft_id = str(uuid.uuid4())
    history = [
        Message("user", "draft an email to Sarah"),
        Message("assistant", tool_calls=[ToolCall("c1", "draft_email", json.dumps({"contact_id": str(uuid.uuid4())}))]),
        Message(
            "tool",
            json.dumps({"ok": True, "data": {}, "refs": [{"type": stored_type, "id": draft_id, "name": "Pricing"}]}),
            tool_call_id="c1",
        ),
    ]
    assert focus_of(history).draft == Draft("draft_email", draft_id)
