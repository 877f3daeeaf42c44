"""Relay fidelity, seen through the official `openai` SDK: what an upstream says reaches the client whole (tool
calls, reasoning, refusals, logprobs, usage details), and what the client sends reaches the upstream intact
(tools, images, output limits), with nothing the upstream should not see.

The upstream is the mock. Its `GET /_mock/requests` lists the bodies ChatMirror forwarded, so a test finds its
own request by a marker in the prompt. `[[mock:transcript=NAME]]` makes the mock replay a recorded vendor stream
(Tests/Fixtures/transcripts, with the values a faithful relay must produce in expected.json).

This module adds two accounts and removes them afterwards: an OpenAI-compatible one that serves /v1/responses
itself ("fid-gpt" -> mock-gpt, "fid-embed" -> mock-embed) and an Anthropic one ("fid-claude" -> mock-gpt over
/v1/messages); the recorded streams get a throwaway account each.
"""

from __future__ import annotations

import json
import uuid
from contextlib import nullcontext
from pathlib import Path

import openai
import pytest
import requests
from openai import OpenAI

from e2e_support import user_session

GPT, EMBED, CLAUDE = "fid-gpt", "fid-embed", "fid-claude"
FAST = "[[mock:chunks=4]] [[mock:delay_ms=5]]"
TRANSCRIPTS = Path(__file__).resolve().parents[1] / "Fixtures" / "transcripts"
EXPECTED = json.loads((TRANSCRIPTS / "expected.json").read_text())
WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Weather for a city",
    "parameters": {"type": "object", "properties": {"query": {"type": "string"}}}}}
TIME = {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}}}
# A 1x1 transparent PNG.
PIXEL = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA"
         "60e6kgAAAABJRU5ErkJggg==")


def marker() -> str:
    return "ref-" + uuid.uuid4().hex[:10]


def add_account(server, mock_upstream, name: str, provider: str, aliases: dict[str, str], **options) -> int:
    account = server.admin._call("POST", "/api/admin/accounts", json={
        "name": f"{name}-{uuid.uuid4().hex[:6]}", "provider": provider, "base_url": mock_upstream + "/v1",
        "api_key": "k", "models": list(aliases), "model_aliases": aliases, **options})
    return account.get("account", account)["id"]


@pytest.fixture(scope="module")
def fidelity_accounts(server, mock_upstream):
    ids = [add_account(server, mock_upstream, "fidelity-openai", "openai", {GPT: "mock-gpt", EMBED: "mock-embed"},
                       capabilities=["responses"]),
           add_account(server, mock_upstream, "fidelity-anthropic", "anthropic", {CLAUDE: "mock-gpt"})]
    yield
    for account_id in ids:  # other modules expect the mock's two models only
        server.admin._call("DELETE", f"/api/admin/accounts/{account_id}")


@pytest.fixture
def own_account(server, mock_upstream, fidelity_accounts):
    """Makes a throwaway account for a model of its own; returns the model. (An upstream error cools its account
    down, which must not reach the other tests.)"""
    ids = []

    def make(provider: str) -> str:
        model = f"fid-{provider}-{uuid.uuid4().hex[:6]}"
        ids.append(add_account(server, mock_upstream, "fidelity-replay", provider, {model: "mock-gpt"}))
        return model

    yield make
    for account_id in ids:
        server.admin._call("DELETE", f"/api/admin/accounts/{account_id}")


@pytest.fixture
def sdk(server, user, fidelity_accounts) -> OpenAI:
    session = user_session(server.base_url, user)
    answer = session.post(f"{server.base_url}/api/me/api-keys", json={"name": "fidelity"}, timeout=10)
    assert answer.status_code == 201, answer.text
    return OpenAI(base_url=server.base_url + "/v1", api_key=answer.json()["key"], max_retries=0, timeout=30)


def forwarded(mock_upstream: str, ref: str, path: str) -> list[dict]:
    """The bodies ChatMirror sent to the mock's `path` that mention `ref`, oldest first."""
    items = requests.get(f"{mock_upstream}/_mock/requests", params={"path": path}, timeout=10).json()
    return [item["body"] for item in items if ref in json.dumps(item["body"])]


def reasoning_of(delta_or_message) -> str | None:
    """Reasoning text under either name a relay may use (`reasoning_content`, `reasoning`)."""
    extra = delta_or_message.model_extra or {}
    return extra.get("reasoning_content") or extra.get("reasoning")


def collect(stream) -> dict:
    """Adds a chat.completions stream up the way a client does: text, reasoning, refusal, tool calls by index."""
    out = {"content": None, "reasoning": None, "refusal": None, "calls": {}, "finish": [], "usage": None,
           "logprobs": [], "order": [], "argument_chunks": 0, "chunks": []}

    def add(key, piece):
        if piece is not None:
            out[key] = (out[key] or "") + piece

    for chunk in stream:
        out["chunks"].append(chunk)
        if chunk.usage is not None:
            out["usage"] = chunk.usage
        for choice in chunk.choices:
            delta = choice.delta
            pieces = (("reasoning", reasoning_of(delta)), ("content", delta.content), ("refusal", delta.refusal))
            for key, piece in pieces:
                add(key, piece)
                if piece:
                    out["order"].append(key)
            for call in delta.tool_calls or []:
                new = {"index": call.index, "id": None, "name": None, "arguments": ""}
                total = out["calls"].setdefault(call.index, new)
                total["id"] = call.id or total["id"]
                if call.function:
                    total["name"] = call.function.name or total["name"]
                    if call.function.arguments:
                        total["arguments"] += call.function.arguments
                        out["argument_chunks"] += 1
            if choice.logprobs and choice.logprobs.content:
                out["logprobs"] += [{"token": t.token, "logprob": t.logprob} for t in choice.logprobs.content]
            if choice.finish_reason:
                out["finish"].append(choice.finish_reason)
    out["tool_calls"] = [out["calls"][i] for i in sorted(out["calls"])]
    return out


def summarize(completion) -> dict:
    """The same sums as `collect`, read from a whole chat.completion."""
    choice = completion.choices[0]
    message = choice.message
    calls = [{"index": i, "id": c.id, "name": c.function.name, "arguments": c.function.arguments}
             for i, c in enumerate(message.tool_calls or [])]
    tokens = (choice.logprobs.content or []) if choice.logprobs else []
    logprobs = [{"token": t.token, "logprob": t.logprob} for t in tokens]
    return {"content": message.content, "reasoning": reasoning_of(message), "refusal": message.refusal,
            "tool_calls": calls, "finish": [choice.finish_reason], "usage": completion.usage, "logprobs": logprobs}


def ask_weather(sdk, model: str, stream: bool, messages: list[dict]) -> dict:
    if stream:
        return collect(sdk.chat.completions.create(model=model, messages=messages, tools=[WEATHER], stream=True))
    return summarize(sdk.chat.completions.create(model=model, messages=messages, tools=[WEATHER]))


@pytest.mark.parametrize("model,call_id", [(GPT, "call_mock_1"), (CLAUDE, "toolu_mock_1")], ids=["openai", "anthropic"])
@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
def test_tool_call_round_trip(sdk, mock_upstream, model, call_id, stream):
    """tools -> the upstream's tool call (id, name, JSON arguments, finish_reason "tool_calls") -> a `tool`
    message with the result -> the final answer built from it; the upstream saw the tools and the result."""
    ref = marker()
    question = f"Weather in Paris? {ref}"
    first = ask_weather(sdk, model, stream, [{"role": "user", "content": f"{question} {FAST}"}])
    calls = first["tool_calls"]
    assert [(c["id"], c["name"]) for c in calls] == [(call_id, "get_weather")], calls
    assert json.loads(calls[0]["arguments"]) == {"query": question}
    assert first["finish"] == ["tool_calls"]
    if stream:
        assert first["argument_chunks"] > 1, "the arguments came in one piece"

    call = {"id": call_id, "type": "function", "function": {"name": "get_weather", "arguments": calls[0]["arguments"]}}
    second = ask_weather(sdk, model, stream, [
        {"role": "user", "content": f"{question} {FAST}"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": call_id, "content": f"sunny, 21C {ref}"}])
    assert second["content"] == f"Tool result: sunny, 21C {ref}"
    assert second["finish"] == ["stop"]

    sent = forwarded(mock_upstream, ref, "/v1/messages" if model == CLAUDE else "/v1/chat/completions")
    assert len(sent) == 2, sent
    assert [t.get("name") or t["function"]["name"] for t in sent[0]["tools"]] == ["get_weather"], sent[0]["tools"]
    assert f"sunny, 21C {ref}" in json.dumps(sent[1]["messages"][-1]) and call_id in json.dumps(sent[1]["messages"])


def test_parallel_tool_calls_keep_their_indexes(sdk):
    """[[mock:tool_calls=2]] with two tools: one streamed answer with two calls, index 0 and 1, each with its
    own id, name and arguments."""
    ref = marker()
    got = collect(sdk.chat.completions.create(
        model=GPT, tools=[WEATHER, TIME], stream=True,
        messages=[{"role": "user", "content": f"Paris weather and time {ref} [[mock:tool_calls=2]] {FAST}"}]))
    assert [(c["index"], c["id"], c["name"]) for c in got["tool_calls"]] == [
        (0, "call_mock_1", "get_weather"), (1, "call_mock_2", "get_time")], got["tool_calls"]
    assert all(json.loads(c["arguments"]) == {"query": f"Paris weather and time {ref}"} for c in got["tool_calls"])
    assert got["finish"] == ["tool_calls"]


@pytest.mark.parametrize("style", ["deepseek", "vllm"])
def test_reasoning_streams_before_the_answer(sdk, style):
    """[[mock:reasoning=deepseek|vllm]] (reasoning_content / reasoning upstream): the client gets the reasoning
    text before the answer, the answer unchanged, and usage with completion_tokens_details.reasoning_tokens."""
    ref = marker()
    got = collect(sdk.chat.completions.create(
        model=GPT, stream=True, stream_options={"include_usage": True},
        messages=[{"role": "user",
                   "content": f"Is 7 prime? {ref} [[mock:reasoning={style}]] [[mock:reply=Yes.]] {FAST}"}]))
    assert got["reasoning"] == (f'The user wrote "Is 7 prime? {ref}". Let me think about what they need, '
                                "weigh the options, and keep the answer short and direct.")
    assert got["content"] == "Yes."
    assert got["order"].index("content") > max(i for i, k in enumerate(got["order"]) if k == "reasoning")
    details = got["usage"].completion_tokens_details
    assert details is not None and details.reasoning_tokens > 0, got["usage"]


def test_image_part_reaches_the_upstream_intact(sdk, mock_upstream):
    """A user message with a text part and an `image_url` data URI (detail "low") is forwarded exactly."""
    ref = marker()
    content = [{"type": "text", "text": f"What is in this picture? {ref} {FAST}"},
               {"type": "image_url", "image_url": {"url": PIXEL, "detail": "low"}}]
    sdk.chat.completions.create(model=GPT, messages=[{"role": "user", "content": content}])
    [sent] = forwarded(mock_upstream, ref, "/v1/chat/completions")
    assert sent["messages"][-1]["content"] == content


def test_max_completion_tokens_is_forwarded_and_junk_is_not(sdk, mock_upstream):
    """max_completion_tokens reaches the upstream as sent; a field no upstream knows (`api_base`) does not."""
    ref = marker()
    sdk.chat.completions.create(model=GPT, max_completion_tokens=77, extra_body={"api_base": "http://evil.example"},
                                messages=[{"role": "user", "content": f"hi {ref} {FAST}"}])
    [sent] = forwarded(mock_upstream, ref, "/v1/chat/completions")
    assert sent["max_completion_tokens"] == 77, sent
    assert "api_base" not in sent, sent


def test_usage_chunk_only_when_asked(sdk):
    """Without stream_options no chunk carries usage; with include_usage the last chunk has no choices and the
    usage."""
    messages = [{"role": "user", "content": f"hi {marker()} {FAST}"}]
    plain = collect(sdk.chat.completions.create(model=GPT, messages=messages, stream=True))
    assert plain["content"] and all(c.usage is None for c in plain["chunks"]), plain["chunks"][-1]
    asked = collect(sdk.chat.completions.create(model=GPT, messages=messages, stream=True,
                                                stream_options={"include_usage": True}))
    last = asked["chunks"][-1]
    assert last.choices == [] and last.usage is not None and last.usage.completion_tokens > 0


@pytest.mark.parametrize("name", ["openai_include_usage", "deepseek_reasoning", "vllm_reasoning"])
def test_recorded_usage_only_when_asked(sdk, name):
    """Upstreams that report usage on their own (DeepSeek on the finishing chunk, vLLM and OpenAI in a chunk of
    its own): a client that did not ask for include_usage sees no usage, and still the whole answer."""
    stream = sdk.chat.completions.create(model=GPT, stream=True, messages=[
        {"role": "user", "content": f"{marker()} [[mock:transcript={name}]] [[mock:delay_ms=5]]"}])
    got = collect(stream)
    assert got["content"] == EXPECTED[name + ".sse"]["content"]
    assert [c for c in got["chunks"] if c.usage is not None] == []


@pytest.mark.parametrize("model", [GPT, "mock-gpt"], ids=["passed-through", "from-chat-completions"])
@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
def test_responses_api(sdk, mock_upstream, model, stream):
    """responses.create on an account that serves /v1/responses (passed through) and on one that does not (sent
    as a chat completion): the same text as output_text, status "completed", usage; streamed, the deltas add up to
    it and response.completed holds it."""
    reply, ref = "Hello from the responses API", marker()
    prompt = f"Say hello {ref} [[mock:reply={reply}]] {FAST}"
    if not stream:
        response = sdk.responses.create(model=model, input=prompt)
        assert response.status == "completed" and response.output_text == reply
        assert response.usage.input_tokens > 0 and response.usage.output_tokens > 0
    else:
        events = list(sdk.responses.create(model=model, input=[{"role": "user", "content": prompt}], stream=True))
        types = [e.type for e in events]
        assert types[0] == "response.created" and types[-1] == "response.completed", types
        assert "".join(e.delta for e in events if e.type == "response.output_text.delta") == reply
        assert events[-1].response.output_text == reply and events[-1].response.status == "completed"
    path = "/v1/responses" if model == GPT else "/v1/chat/completions"
    assert len(forwarded(mock_upstream, ref, path)) == 1, path


def test_embeddings(sdk, mock_upstream):
    """embeddings.create with two texts: two vectors in input order, the same text always gets the same vector,
    usage counted; the upstream got the account's model id."""
    ref = marker()
    first = sdk.embeddings.create(model=EMBED, input=[f"alpha {ref}", "beta"])
    again = sdk.embeddings.create(model=EMBED, input=f"alpha {ref}")
    assert [d.index for d in first.data] == [0, 1] and len(first.data[0].embedding) == 8
    assert first.data[0].embedding == again.data[0].embedding != first.data[1].embedding
    assert first.usage.prompt_tokens > 0
    assert {body["model"] for body in forwarded(mock_upstream, ref, "/v1/embeddings")} == {"mock-embed"}


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_recorded_vendor_stream_reaches_the_client_whole(sdk, own_account, name, stream):
    """Each recorded vendor stream, relayed: the client gets exactly the content, reasoning, refusal, tool calls,
    logprobs, finish reason and usage that expected.json lists, streamed or as one completion; a stream that
    breaks with an error reaches the client as an error (streamed: after the text that came before it)."""
    expected = EXPECTED[name]
    model = own_account("anthropic" if expected["route"] == "anthropic" else "openai")
    prompt = f"replay {marker()} [[mock:transcript={name.removesuffix('.sse')}]] [[mock:delay_ms=5]]"
    options = {"logprobs": True} if expected["logprobs"] else {}
    got = {"content": None}
    with pytest.raises(openai.APIError) if expected["error"] else nullcontext():
        if stream:
            got = collect(_tracking(sdk.chat.completions.create(
                model=model, messages=[{"role": "user", "content": prompt}], stream=True,
                stream_options={"include_usage": True}, **options), got))
        else:
            got = summarize(sdk.chat.completions.create(
                model=model, messages=[{"role": "user", "content": prompt}], **options))
    if expected["error"]:
        assert (got["content"] or "") == ((expected["content"] or "") if stream else ""), got
        return
    for key in ("content", "reasoning", "refusal"):
        assert got[key] == expected[key], key
    assert [{k: c[k] for k in ("id", "name", "arguments")} for c in got["tool_calls"]] == [
        {k: c[k] for k in ("id", "name", "arguments")} for c in expected["tool_calls"]]
    assert got["finish"] == [expected["finish_reason"]]
    assert got["logprobs"] == (expected["logprobs"] or [])
    usage = got["usage"]
    for key in ("prompt_tokens", "completion_tokens"):
        if expected[key] is not None:
            assert getattr(usage, key) == expected[key], usage
    if expected["reasoning_tokens"] is not None:
        assert usage.completion_tokens_details.reasoning_tokens == expected["reasoning_tokens"], usage
    if expected["cached_tokens"]:
        assert usage.prompt_tokens_details.cached_tokens == expected["cached_tokens"], usage


def _tracking(stream, into: dict):
    """Passes the stream through, keeping the text seen so far in `into` (for a stream that raises midway)."""
    for chunk in stream:
        for choice in chunk.choices:
            if choice.delta.content:
                into["content"] = (into["content"] or "") + choice.delta.content
        yield chunk
