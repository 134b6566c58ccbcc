"""OpenAIChatModel through the real `openai` client against a fake server on loopback."""

from __future__ import annotations

import time

import pytest

from assistant.agent import Agent
from assistant.messages import Message, ModelResponse, TextDelta, ToolCall
from assistant.model import ModelError
from assistant.openai_model import OpenAIChatModel
from store.auth import actor_for
from tests.support import factories
from tests.support.scripted_models import ScriptedModel, say
from tools.spec import ToolSpec

TOOLS = [
    ToolSpec(
        "get_deal",
        "Read a deal.",
        {"type": "object", "properties": {"deal_id": {"type": "string"}}, "required": ["deal_id"]},
    )
]


def _model(fake, **kw) -> OpenAIChatModel:
    return OpenAIChatModel(
        model="fake-model", base_url=fake.base_url, api_key=None, **({"timeout": 5.0, "max_retries": 2} | kw)
    )


async def _collect(stream):
    return [item async for item in stream]


async def test_text_reply_and_what_was_sent(fake_openai):
    fake_openai.reply("Hello John.")
    history = [
        Message("system", "be brief"),
        Message("user", "hi"),
        Message("assistant", None, tool_calls=[ToolCall("c1", "get_deal", '{"deal_id": "d1"}')]),
        Message("tool", '{"ok": true}', tool_call_id="c1", name="get_deal"),
    ]
    response = await _model(fake_openai).request(history, TOOLS)
    assert response.message.content == "Hello John." and response.usage.prompt_tokens == 11
    sent = fake_openai.requests[0]
    assert sent["model"] == "fake-model" and sent["tools"][0]["function"]["name"] == "get_deal"
    assert sent["messages"][2]["tool_calls"][0] == {
        "id": "c1",
        "type": "function",
        "function": {"name": "get_deal", "arguments": '{"deal_id": "d1"}'},
    }
    assert sent["messages"][3] == {"role": "tool", "content": '{"ok": true}', "tool_call_id": "c1"}


async def test_parallel_tool_calls_and_malformed_arguments_pass_through(fake_openai):
    fake_openai.reply(tool_calls=[("get_deal", '{"deal_id": "a"}'), ("get_deal", '{"deal_id": ')])
    response = await _model(fake_openai).request([Message("user", "two deals")], TOOLS)
    assert [(c.name, c.arguments) for c in response.message.tool_calls] == [
        ("get_deal", '{"deal_id": "a"}'),
        ("get_deal", '{"deal_id": '),
    ]
    fake_openai.reply("no tools offered")
    await _model(fake_openai).request([Message("user", "hi")], [])
    assert "tools" not in fake_openai.requests[-1]


async def test_streaming_text_arrives_in_pieces(fake_openai):
    fake_openai.reply("The pipeline is $2.6M weighted.")
    items = await _collect(_model(fake_openai).stream([Message("user", "pipeline?")], TOOLS))
    deltas = [i.text for i in items if isinstance(i, TextDelta)]
    assert len(deltas) > 3 and "".join(deltas) == "The pipeline is $2.6M weighted."
    assert (
        isinstance(items[-1], ModelResponse)
        and items[-1].message.content == "The pipeline is $2.6M weighted."
        and items[-1].usage
    )
    assert fake_openai.requests[0]["stream"] is True and fake_openai.requests[0]["stream_options"] == {
        "include_usage": True
    }


async def test_streamed_tool_calls_are_assembled(fake_openai):
    fake_openai.reply(
        tool_calls=[("get_deal", '{"deal_id": "0b59446d-80c0"}'), ("search_crm", '{"query": "Acme Corp"}')]
    )
    items = await _collect(_model(fake_openai).stream([Message("user", "x")], TOOLS))
    calls = items[-1].message.tool_calls
    assert [(c.id, c.name, c.arguments) for c in calls] == [
        ("call_0", "get_deal", '{"deal_id": "0b59446d-80c0"}'),
        ("call_1", "search_crm", '{"query": "Acme Corp"}'),
    ]


async def test_a_429_is_retried_by_the_client(fake_openai):
    fake_openai.fail(429, headers={"retry-after-ms": "10"}).reply("after retry")
    response = await _model(fake_openai).request([Message("user", "hi")], [])
    assert response.message.content == "after retry" and len(fake_openai.requests) == 2


async def test_persistent_5xx_is_a_model_error(fake_openai):
    fake_openai.fail(500, times=3, headers={"retry-after-ms": "10"})
    with pytest.raises(ModelError, match="500"):
        await _model(fake_openai).request([Message("user", "hi")], [])
    assert len(fake_openai.requests) == 3


async def test_a_timeout_is_a_model_error_quickly(fake_openai):
    fake_openai.slow(3.0)
    start = time.perf_counter()
    with pytest.raises(ModelError, match="timed out"):
        await _model(fake_openai, timeout=0.5, max_retries=0).request([Message("user", "hi")], [])
    assert time.perf_counter() - start < 2.5


async def test_the_agent_runs_tools_chosen_by_the_endpoint_and_degrades_when_it_fails(db, fake_openai):
    async with db.session() as s:
        john = actor_for(await factories.user(s, name="John Miller"))
        deal = await factories.deal(s, deal_name="Acme Corp - Enterprise Plan", owner_id=john.user_id)
    fake_openai.reply(tool_calls=[("get_deal", f'{{"deal_id": "{deal.id}"}}')]).reply(
        "It is in qualification [no citation]."
    )
    result = await Agent(db, _model(fake_openai)).run(john, "how is the Acme deal?")
    assert [c["name"] for c in result.tool_calls] == ["get_deal"] and result.answer.startswith("It is in qualification")
    assert "Acme Corp - Enterprise Plan" in fake_openai.requests[1]["messages"][-1]["content"]
    fake_openai.fail(503, times=3, headers={"retry-after-ms": "10"})
    degraded = await Agent(db, _model(fake_openai), fallback=ScriptedModel(say("offline answer"))).run(john, "hi")
    assert degraded.answer == "offline answer" and "503" in degraded.notice


def test_an_openai_compatible_embeddings_endpoint_can_replace_the_local_model(fake_openai):
    from store.embeddings import OpenAIEmbedder, embedder_from_settings
    from store.settings import Settings

    embedder = embedder_from_settings(
        Settings(embed_model="openai:text-embedding-3-small", embed_base_url=fake_openai.base_url)
    )
    assert isinstance(embedder, OpenAIEmbedder) and embedder.name == "text-embedding-3-small"
    vectors = embedder.embed(["reset my password", "export times out"])
    assert vectors.shape == (2, 384) and abs(float((vectors[0] ** 2).sum()) - 1) < 1e-5
    sent = fake_openai.requests[-1]
    assert (sent["model"], sent["input"], sent["dimensions"]) == (
        "text-embedding-3-small",
        ["reset my password", "export times out"],
        384,
    )
