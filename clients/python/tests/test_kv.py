import pytest

from conftest import PgragKVStorage, open_storage, run

# Every key-value namespace LightRAG's current releases use.
NAMESPACES = ["full_docs", "text_chunks", "llm_response_cache", "full_entities",
              "full_relations", "entity_chunks", "relation_chunks"]


@pytest.mark.parametrize("namespace", NAMESPACES)
@run
async def test_every_kv_method_round_trips(namespace):
    kv = await open_storage(PgragKVStorage, namespace)
    try:
        await kv.drop()
        assert await kv.is_empty()
        await kv.upsert({"a": {"content": "first", "n": 1}, "b/slash 'q'": {"content": "second"}})
        assert not await kv.is_empty()
        a = await kv.get_by_id("a")
        assert a["content"] == "first" and a["n"] == 1 and a["id"] == "a"
        assert await kv.get_by_id("nope") is None
        got = await kv.get_by_ids(["b/slash 'q'", "nope", "a"])
        assert [g and g["id"] for g in got] == ["b/slash 'q'", None, "a"]
        assert await kv.get_by_ids([]) == []
        assert await kv.filter_keys({"a", "x", "y"}) == {"x", "y"}
        assert await kv.filter_keys(set()) == set()
        await kv.upsert({"a": {"content": "replaced"}})
        assert (await kv.get_by_id("a"))["content"] == "replaced"
        assert "n" not in await kv.get_by_id("a")
        await kv.delete(["a"])
        assert await kv.get_by_id("a") is None
        await kv.index_done_callback()
        dropped = await kv.drop()
        assert dropped["status"] == "success"
        assert await kv.is_empty()
    finally:
        await kv.finalize()


@run
async def test_namespaces_are_apart():
    docs = await open_storage(PgragKVStorage, "full_docs")
    chunks = await open_storage(PgragKVStorage, "text_chunks")
    try:
        await docs.upsert({"same-id": {"content": "a document"}})
        await chunks.upsert({"same-id": {"content": "a chunk"}})
        await docs.drop()
        assert (await chunks.get_by_id("same-id"))["content"] == "a chunk"
        await chunks.drop()
    finally:
        await docs.finalize()
        await chunks.finalize()


@run
async def test_batches_above_the_server_limit_are_split():
    kv = await open_storage(PgragKVStorage, "text_chunks")
    try:
        await kv.drop()
        data = {f"chunk-{i}": {"content": f"chunk {i}"} for i in range(1500)}
        await kv.upsert(data)
        assert len(await kv.filter_keys(set(data) | {"extra"})) == 1
        assert len([g for g in await kv.get_by_ids(list(data)) if g]) == 1500
        await kv.drop()
    finally:
        await kv.finalize()
