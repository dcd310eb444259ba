"""Two LightRAG workspaces are two pgrag tenants (their keys in PGRAG_WORKSPACE_KEYS)."""

from conftest import (FakeEmbedding, PgragDocStatusStorage, PgragGraphStorage, PgragKVStorage,
                      PgragVectorStorage, open_storage, run)


@run
async def test_two_workspaces_share_nothing():
    alpha = {cls: await open_storage(cls, ns, "alpha") for cls, ns in [
        (PgragKVStorage, "full_docs"), (PgragVectorStorage, "chunks"),
        (PgragGraphStorage, "chunk_entity_relation"), (PgragDocStatusStorage, "doc_status")]}
    beta = {cls: await open_storage(cls, ns, "beta", FakeEmbedding()) for cls, ns in [
        (PgragKVStorage, "full_docs"), (PgragVectorStorage, "chunks"),
        (PgragGraphStorage, "chunk_entity_relation"), (PgragDocStatusStorage, "doc_status")]}
    try:
        for storage in [*alpha.values(), *beta.values()]:
            await storage.drop()
        await alpha[PgragKVStorage].upsert({"doc-1": {"content": "alpha's secret"}})
        await alpha[PgragVectorStorage].upsert({"chunk-1": {"content": "north"}})
        await alpha[PgragGraphStorage].upsert_node("Secret", {"entity_id": "Secret"})
        await alpha[PgragDocStatusStorage].upsert({"doc-1": {"status": "processed"}})

        assert await beta[PgragKVStorage].get_by_id("doc-1") is None
        assert await beta[PgragKVStorage].filter_keys({"doc-1"}) == {"doc-1"}
        assert await beta[PgragVectorStorage].query("north", top_k=5) == []
        assert await beta[PgragVectorStorage].get_vectors_by_ids(["chunk-1"]) == {}
        assert not await beta[PgragGraphStorage].has_node("Secret")
        assert await beta[PgragGraphStorage].get_all_labels() == []
        assert await beta[PgragDocStatusStorage].get_status_counts() == {}

        # A drop in beta leaves alpha's data where it was.
        for storage in beta.values():
            await storage.drop()
        assert (await alpha[PgragKVStorage].get_by_id("doc-1"))["content"] == "alpha's secret"
        assert await alpha[PgragGraphStorage].has_node("Secret")
        assert (await alpha[PgragDocStatusStorage].get_status_counts()) == {"processed": 1}
        assert len(await alpha[PgragVectorStorage].query("north", top_k=5)) == 1
    finally:
        for storage in [*alpha.values(), *beta.values()]:
            await storage.drop()
            await storage.finalize()
