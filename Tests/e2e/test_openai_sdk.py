"""The OpenAI-compatible API (/v1) driven by the official `openai` Python SDK, as a user's own script would.

A user makes a personal API key through the web app's JSON API (POST /api/me/api-keys) and hands it to
`OpenAI(base_url=<ChatMirror>/v1, api_key=key)`. The upstream is the mock (model "mock-gpt"); directives such
as `[[mock:reply=...]]` in the last user message make it answer a fixed text.
"""

from __future__ import annotations

import uuid

import openai
import pytest
import requests
from openai import OpenAI

from e2e_support import user_session

MODEL = "mock-gpt"
# A fixed answer, streamed in small pieces with little delay (the suite's mock waits 60 ms per piece).
REPLY = "hello world from the mock"
PROMPT = f"Say something. [[mock:reply={REPLY}]] [[mock:chunks=6]] [[mock:delay_ms=5]]"


def create_key(base_url: str, session: requests.Session, name: str | None = None) -> dict:
    answer = session.post(f"{base_url}/api/me/api-keys", json={"name": name or "sdk-" + uuid.uuid4().hex[:6]},
                          timeout=10)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["key"].startswith("cm-"), body
    assert body["key"].startswith(body["prefix"]), body
    return body


def client(base_url: str, key: str) -> OpenAI:
    # No retries: every failure must show up as the first answer's status, not be hidden by a retry.
    return OpenAI(base_url=base_url + "/v1", api_key=key, max_retries=0, timeout=30)


@pytest.fixture
def session(server, user) -> requests.Session:
    return user_session(server.base_url, user)


@pytest.fixture
def api_key(server, session) -> dict:
    return create_key(server.base_url, session)


@pytest.fixture
def sdk(server, api_key) -> OpenAI:
    return client(server.base_url, api_key["key"])


def test_models_list_offers_the_mock_model(sdk):
    """models.list() with a fresh key: the list holds "mock-gpt", each entry an OpenAI `model` object."""
    models = list(sdk.models.list())
    ids = [m.id for m in models]
    assert MODEL in ids, ids
    assert all(m.object == "model" for m in models), models


def test_non_streaming_completion_has_content_and_usage(sdk):
    """A plain chat.completions.create: a `chat.completion` with the mock's fixed text, finish_reason "stop"
    and token usage."""
    completion = sdk.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": PROMPT}])
    assert completion.object == "chat.completion"
    assert completion.model == MODEL
    choice = completion.choices[0]
    assert choice.message.role == "assistant"
    assert choice.message.content == REPLY
    assert choice.finish_reason == "stop"
    assert completion.usage is not None
    assert completion.usage.prompt_tokens > 0 and completion.usage.completion_tokens > 0
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens


def test_streaming_completion_yields_text_and_final_usage(sdk):
    """stream=True with stream_options.include_usage: the chunks' deltas join into the mock's text, one chunk
    says finish_reason "stop", and the last chunk has no choices and carries the usage."""
    stream = sdk.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": PROMPT}],
                                         stream=True, stream_options={"include_usage": True})
    chunks = list(stream)
    assert chunks, "no chunk at all"
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == REPLY
    assert len([c for c in chunks if c.choices and c.choices[0].delta.content]) > 1, "the text came in one piece"
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == ["stop"]
    last = chunks[-1]
    assert last.choices == []
    assert last.usage is not None and last.usage.completion_tokens > 0 and last.usage.prompt_tokens > 0


def test_text_parts_content_is_accepted(sdk):
    """A user message whose content is an array of text parts (as newer SDK code writes it) is answered."""
    completion = sdk.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": [{"type": "text", "text": PROMPT}]}])
    assert completion.choices[0].message.content == REPLY


def test_bad_key_is_an_authentication_error(server):
    """A key that was never issued (right prefix, random rest): AuthenticationError (401) on models.list()
    and on chat.completions.create, with OpenAI's error type."""
    bad = client(server.base_url, "cm-" + uuid.uuid4().hex)
    with pytest.raises(openai.AuthenticationError) as caught:
        bad.models.list()
    assert caught.value.status_code == 401
    assert caught.value.type == "authentication_error", caught.value.body
    with pytest.raises(openai.AuthenticationError):
        bad.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}])


def test_revoked_key_is_an_authentication_error(server, session, api_key):
    """A key that worked, then DELETE /api/me/api-keys/{id}: the very next call is an AuthenticationError."""
    sdk = client(server.base_url, api_key["key"])
    assert MODEL in [m.id for m in sdk.models.list()]
    answer = session.delete(f"{server.base_url}/api/me/api-keys/{api_key['id']}", timeout=10)
    assert answer.status_code == 204, answer.text
    with pytest.raises(openai.AuthenticationError):
        sdk.models.list()
    with pytest.raises(openai.AuthenticationError):
        sdk.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": PROMPT}])


def test_disabled_users_key_is_an_authentication_error(server, user, api_key):
    """The admin disables the key's owner: the key is refused (AuthenticationError) at once; re-enabling the
    user makes the same key work again."""
    sdk = client(server.base_url, api_key["key"])
    assert MODEL in [m.id for m in sdk.models.list()]
    server.admin.update_user(user["id"], status="disabled")
    try:
        with pytest.raises(openai.AuthenticationError):
            sdk.models.list()
        with pytest.raises(openai.AuthenticationError):
            sdk.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": PROMPT}])
    finally:
        server.admin.update_user(user["id"], status="active")
    completion = sdk.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": PROMPT}])
    assert completion.choices[0].message.content == REPLY


@pytest.mark.parametrize("stream", [False, True])
def test_unknown_model_is_not_found(sdk, stream):
    """model="no-such-model" (served by no account), streaming or not: NotFoundError (404) before any
    stream starts, code model_not_found."""
    with pytest.raises(openai.NotFoundError) as caught:
        sdk.chat.completions.create(model="no-such-model-" + uuid.uuid4().hex[:6],
                                    messages=[{"role": "user", "content": "hi"}], stream=stream)
    assert caught.value.status_code == 404
    assert caught.value.code == "model_not_found", caught.value.body


def test_unknown_role_is_a_bad_request_naming_messages(sdk):
    """A message with role "wizard": BadRequestError (400), type invalid_request_error, `param` "messages"
    and a message that names the offending entry."""
    with pytest.raises(openai.BadRequestError) as caught:
        sdk.chat.completions.create(model=MODEL, messages=[{"role": "wizard", "content": "abracadabra"}])
    error = caught.value
    assert error.status_code == 400
    assert error.type == "invalid_request_error", error.body
    assert error.param == "messages", error.body
    assert "messages[0]" in error.message and "role" in error.message, error.message


def test_empty_messages_is_a_bad_request_naming_messages(sdk):
    """messages=[] (streaming asked, to show the error still comes as a plain 400): BadRequestError with
    `param` "messages"."""
    with pytest.raises(openai.BadRequestError) as caught:
        sdk.chat.completions.create(model=MODEL, messages=[], stream=True)
    assert caught.value.param == "messages", caught.value.body
    assert caught.value.type == "invalid_request_error", caught.value.body


def test_bad_max_tokens_is_a_bad_request_naming_the_field(sdk):
    """max_tokens=0: BadRequestError with `param` "max_tokens"."""
    with pytest.raises(openai.BadRequestError) as caught:
        sdk.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}], max_tokens=0)
    assert caught.value.param == "max_tokens", caught.value.body
