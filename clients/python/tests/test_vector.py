import pytest

from conftest import FakeEmbedding, PgragVectorStorage, open_storage, run
from pgrag_lightrag.vector import entity_vector_id


@run
async def test_upsert_embeds_in_lightrags_batches_and_query_honours_the_threshold():
    embedding = FakeEmbedding()
    vdb = await open_storage(PgragVectorStorage, "chunks", embedding=embedding,
                             meta_fields={"full_doc_id", "file_path"})
    try:
        await vdb.drop()
        await vdb.upsert({
            "c-north": {"content": "north", "full_doc_id": "d1", "file_path": "a.txt",
                        "ignored": "x"},
            "c-ne": {"content": "north-east", "full_doc_id": "d1", "file_path": "a.txt"},
            "c-east": {"content": "east", "full_doc_id": "d2", "file_path": "b.txt"},
            "c-up": {"content": "up", "full_doc_id": "d2", "file_path": "b.txt"},
            "c-up2": {"content": "up", "full_doc_id": "d3", "file_path": "c.txt"},
        })
        # embedding_batch_num is 2 in the test configuration.
        assert [len(batch) for batch in embedding.calls] == [2, 2, 1]
        results = await vdb.query("north", top_k=10)
        assert [r["id"] for r in results] == ["c-north", "c-ne"]  # east and up score 0
        assert results[0]["content"] == "north" and results[0]["full_doc_id"] == "d1"
        assert "ignored" not in results[0]
        assert results[0]["distance"] == pytest.approx(0, abs=1e-6)
        by_embedding = await vdb.query("ignored text", top_k=1, query_embedding=[0, 1, 0])
        assert [r["id"] for r in by_embedding] == ["c-east"]
        vdb.cosine_better_than_threshold = -1.0
        assert len(await vdb.query("north", top_k=3)) == 3

        record = await vdb.get_by_id("c-east")
        assert record["content"] == "east" and record["file_path"] == "b.txt"
        assert await vdb.get_by_id("none") is None
        assert [r and r["id"] for r in await vdb.get_by_ids(["c-up", "none"])] == ["c-up", None]
        vectors = await vdb.get_vectors_by_ids(["c-east", "c-ne", "none"])
        assert vectors["c-east"] == pytest.approx([0, 1, 0])
        assert vectors["c-ne"] == pytest.approx([0.7, 0.7, 0], abs=1e-6)
        assert "none" not in vectors

        await vdb.delete(["c-up", "c-up2"])
        assert await vdb.get_by_ids(["c-up", "c-up2"]) == [None, None]
        await vdb.index_done_callback()
        assert (await vdb.drop())["status"] == "success"
        assert await vdb.get_by_id("c-east") is None
    finally:
        await vdb.finalize()


@run
async def test_delete_entity_and_its_relations():
    entities = await open_storage(PgragVectorStorage, "entities")
    relations = await open_storage(PgragVectorStorage, "relationships")
    try:
        await entities.drop()
        await relations.drop()
        await entities.upsert({
            entity_vector_id("Alan Turing"): {"content": "Alan Turing", "entity_name": "Alan Turing"},
            entity_vector_id("Enigma"): {"content": "Enigma", "entity_name": "Enigma"},
        })
        await relations.upsert({
            "rel-1": {"content": "broke", "src_id": "Alan Turing", "tgt_id": "Enigma"},
            "rel-2": {"content": "built", "src_id": "Bletchley", "tgt_id": "Alan Turing"},
            "rel-3": {"content": "other", "src_id": "Bletchley", "tgt_id": "Enigma"},
        })
        await entities.delete_entity("Alan Turing")
        assert await entities.get_by_id(entity_vector_id("Alan Turing")) is None
        assert await entities.get_by_id(entity_vector_id("Enigma")) is not None
        await relations.delete_entity_relation("Alan Turing")
        left = await relations.get_by_ids(["rel-1", "rel-2", "rel-3"])
        assert [r and r["id"] for r in left] == [None, None, "rel-3"]
        await entities.drop()
        await relations.drop()
    finally:
        await entities.finalize()
        await relations.finalize()
