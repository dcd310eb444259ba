"""The HTTP side: retries on 429/503 honouring Retry-After, errors raised with the problem."""

import asyncio
import time

import pytest
from aiohttp import web

from conftest import PgragKVStorage, open_storage, run
from pgrag_lightrag import PgragError
from pgrag_lightrag.client import PgragClient
from pgrag_lightrag.config import PgragSettings


async def flaky_server(statuses):
    """A local server answering the given statuses in turn, then 200; records arrival times."""
    arrivals = []

    async def handle(request):
        arrivals.append(time.monotonic())
        if statuses:
            status, retry_after = statuses.pop(0)
            headers = {} if retry_after is None else {"Retry-After": retry_after}
            return web.json_response({"code": "unavailable", "detail": "busy"}, status=status,
                                     headers=headers, content_type="application/problem+json")
        return web.json_response({"missing": []})

    app = web.Application()
    app.router.add_post("/rag/v1/kv/full_docs/missing", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    return runner, f"http://127.0.0.1:{port}/rag/v1", arrivals


@run
async def test_retries_503_and_429_waiting_retry_after():
    runner, url, arrivals = await flaky_server([(503, "1"), (429, "0"), (503, None)])
    client = PgragClient(PgragSettings(url=url, api_key="k", max_attempts=5), None)
    try:
        assert await client.post("/kv/full_docs/missing", {"ids": ["a"]}) == {"missing": []}
        assert len(arrivals) == 4
        assert arrivals[1] - arrivals[0] >= 0.95  # Retry-After: 1 was honoured
    finally:
        await client.close()
        await runner.cleanup()


@run
async def test_gives_up_after_max_attempts_and_raises():
    runner, url, arrivals = await flaky_server([(503, "0")] * 5)
    client = PgragClient(PgragSettings(url=url, api_key="k", max_attempts=3), None)
    try:
        with pytest.raises(PgragError) as raised:
            await client.post("/kv/full_docs/missing", {"ids": ["a"]})
        assert raised.value.status == 503 and len(arrivals) == 3
    finally:
        await client.close()
        await runner.cleanup()


@run
async def test_client_errors_are_raised_with_problem_details():
    kv = await open_storage(PgragKVStorage, "full_docs")
    try:
        with pytest.raises(PgragError) as raised:
            await kv.upsert({"a": {"text": "nul \u0000 inside"}})
        assert raised.value.status == 400
        assert raised.value.problem["code"] == "validation_failed"
    finally:
        await kv.finalize()


@run
async def test_a_wrong_key_is_refused_not_swallowed():
    kv = PgragKVStorage(namespace="full_docs", workspace="alpha",
                        global_config={"pgrag": {"workspace_keys": {"alpha": "pgrag_wrong"}}})
    await kv.initialize()
    try:
        with pytest.raises(PgragError) as raised:
            await kv.get_by_id("x")
        assert raised.value.status == 401
    finally:
        await kv.finalize()


def test_a_workspace_without_a_key_is_a_configuration_error(monkeypatch):
    monkeypatch.delenv("PGRAG_API_KEY", raising=False)
    monkeypatch.setenv("PGRAG_WORKSPACE_KEYS", "{}")
    kv = PgragKVStorage(namespace="full_docs", workspace="gamma", global_config={})
    with pytest.raises(ValueError, match="gamma"):
        asyncio.run(kv.initialize())


def test_imports_without_lightrag():
    import importlib.util

    import pgrag_lightrag

    assert importlib.util.find_spec("lightrag") is None
    graph = pgrag_lightrag.KnowledgeGraph()
    assert graph.nodes == [] and graph.edges == [] and graph.is_truncated is False
    with pytest.raises(ImportError):
        pgrag_lightrag.register_with_lightrag()
