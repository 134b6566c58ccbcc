"""How a turn's conversation is written: a new conversation inserted with the turn's first write, the turn's audit
entries and messages sent together at the end (one round trip), a model turn's commit not waiting for the WAL flush,
and a failure there as clean as before."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from store.auth import actor_for
from store.errors import NotFound
from store.models import AuditEntry, Conversation, ConversationMessage
from store.services.audit import audit
from store.services.conversations import ConversationService
from tests.support import factories


async def test_a_new_conversation_is_inserted_with_its_first_messages_and_what_the_turn_changed(db):
    async with db.session() as s:
        john = actor_for(await factories.user(s, name="John", team="Enterprise"))
    async with db.session() as s:
        conversations = ConversationService(s, john)
        conversation = await conversations.open(None)
        assert conversation.tokens_used == 0 and conversation.id is not None  # known before its INSERT
        assert await s.scalar(select(func.count()).select_from(Conversation)) == 0  # held back until the turn writes
        conversation.tokens_used += 120  # as a hosted model's usage is counted
        await audit(s, john, action="tool:my_tasks", status="ok")
        await conversations.append(
            conversation, [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
        )
        conversation_id = conversation.id
    async with db.session() as s:
        stored = await s.get(Conversation, conversation_id)
        assert stored is not None and stored.tokens_used == 120 and stored.user_id == john.user_id
        roles = await s.scalars(
            select(ConversationMessage.role)
            .where(ConversationMessage.conversation_id == conversation_id)
            .order_by(ConversationMessage.seq)
        )
        assert list(roles) == ["user", "assistant"]
        assert await s.scalar(select(func.count()).select_from(AuditEntry)) == 1


async def test_a_proposal_inserts_the_new_conversation_it_belongs_to_first(db):
    async with db.session() as s:
        john = actor_for(await factories.user(s, name="John", team="Enterprise"))
    async with db.session() as s:
        conversations = ConversationService(s, john)
        conversation = await conversations.open(None)
        action = await conversations.propose(conversation, tool="log_call", arguments={}, summary="Log a call")
        conversation_id, action_id = conversation.id, action.id
    async with db.session() as s:
        assert await s.get(Conversation, conversation_id) is not None
        assert await ConversationService(s, john).action(await s.get_one(Conversation, conversation_id), action_id)


async def test_a_model_turns_commit_does_not_wait_for_the_wal_flush_and_the_setting_ends_with_it(db):
    async with db.session() as s:
        john = actor_for(await factories.user(s, name="John", team="Enterprise"))
    async with db.session() as s:
        conversations = ConversationService(s, john)
        conversation = await conversations.open(None)
        await conversations.append(conversation, [{"role": "user", "content": "hi"}], durable=False)
        assert await s.scalar(text("SHOW synchronous_commit")) == "off"
        await s.commit()
        assert await s.scalar(text("SHOW synchronous_commit")) == "on"  # SET LOCAL: this transaction only
        await conversations.append(conversation, [{"role": "assistant", "content": "hello"}])
        assert await s.scalar(text("SHOW synchronous_commit")) == "on"  # durable by default (an approval's writes)
    async with db.session() as s:
        count = select(func.count()).select_from(ConversationMessage)
        assert await s.scalar(count.where(ConversationMessage.conversation_id == conversation.id)) == 2


async def test_appending_to_a_conversation_deleted_meanwhile_is_not_found_and_writes_nothing(db):
    async with db.session() as s:
        john = actor_for(await factories.user(s, name="John", team="Enterprise"))
    async with db.session() as s:
        conversations = ConversationService(s, john)
        conversation = await conversations.open(None)
        await conversations.append(conversation, [{"role": "user", "content": "hi"}])
        conversation_id = conversation.id
    with pytest.raises(NotFound):
        async with db.session() as s:
            conversations = ConversationService(s, john)
            conversation = await conversations.get(conversation_id)
            async with db.autocommit() as other:  # another request deletes it before this turn stores its messages
                await other.execute(text("DELETE FROM conversations WHERE id = :id"), {"id": conversation_id})
            await audit(s, john, action="tool:my_tasks", status="ok")
            await conversations.append(conversation, [{"role": "user", "content": "hi"}])
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(ConversationMessage)) == 0  # the first one went with it
        assert await s.scalar(select(func.count()).select_from(AuditEntry)) == 0  # rolled back with the turn
