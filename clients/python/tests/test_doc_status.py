from conftest import PgragDocStatusStorage, open_storage, run
from pgrag_lightrag.lightrag_types import DocStatus


def status(state, day, track="t1", path=None):
    return {"status": state, "content_summary": f"summary {day}", "content_length": 10 * day,
            "file_path": path or f"file-{day}.txt", "track_id": track, "chunks_count": day,
            "chunks_list": [f"chunk-{day}"], "created_at": f"2026-01-{day:02d}T00:00:00+00:00",
            "updated_at": f"2026-02-{day:02d}T00:00:00+00:00", "metadata": {}}


async def seeded():
    store = await open_storage(PgragDocStatusStorage, "doc_status")
    await store.drop()
    await store.upsert({
        **{f"doc-{d}": status("processed", d, "batch-1") for d in range(1, 8)},
        **{f"doc-{d}": status("failed", d, "batch-2") for d in range(8, 11)},
        "doc-11": status("pending", 11, "batch-2", "special/path ü.txt"),
    })
    return store


@run
async def test_counts_by_status():
    store = await seeded()
    try:
        assert await store.get_status_counts() == {"processed": 7, "failed": 3, "pending": 1}
        assert await store.get_all_status_counts() == {"processed": 7, "failed": 3, "pending": 1,
                                                       "all": 11}
    finally:
        await store.finalize()


@run
async def test_docs_by_status_and_by_track_id():
    store = await seeded()
    try:
        failed = await store.get_docs_by_status(DocStatus.FAILED)
        assert sorted(failed) == ["doc-10", "doc-8", "doc-9"]
        assert failed["doc-8"].content_length == 80 and failed["doc-8"].chunks_count == 8
        assert failed["doc-8"].status == DocStatus.FAILED
        batch = await store.get_docs_by_track_id("batch-2")
        assert len(batch) == 4
        assert await store.get_docs_by_track_id("none") == {}
    finally:
        await store.finalize()


@run
async def test_pages_with_total_and_sort_fields():
    store = await seeded()
    try:
        page, total = await store.get_docs_paginated(DocStatus.PROCESSED, page=1, page_size=3,
                                                     sort_field="updated_at", sort_direction="desc")
        assert total == 7 and [doc_id for doc_id, _ in page] == ["doc-7", "doc-6", "doc-5"]
        page3, _ = await store.get_docs_paginated(DocStatus.PROCESSED, page=3, page_size=3,
                                                  sort_field="updated_at", sort_direction="desc")
        assert [doc_id for doc_id, _ in page3] == ["doc-1"]
        ascending, total_all = await store.get_docs_paginated(None, page=1, page_size=2,
                                                              sort_field="created_at",
                                                              sort_direction="asc")
        assert total_all == 11 and [d for d, _ in ascending] == ["doc-1", "doc-2"]
        by_id, _ = await store.get_docs_paginated(None, page=1, page_size=3, sort_field="id",
                                                  sort_direction="asc")
        assert [d for d, _ in by_id] == ["doc-1", "doc-10", "doc-11"]
        past_end, total_failed = await store.get_docs_paginated(DocStatus.FAILED, page=9)
        assert past_end == [] and total_failed == 3
    finally:
        await store.finalize()


@run
async def test_doc_by_file_path_and_kv_methods():
    store = await seeded()
    try:
        found = await store.get_doc_by_file_path("special/path ü.txt")
        assert found["id"] == "doc-11" and found["status"] == "pending"
        assert await store.get_doc_by_file_path("missing.txt") is None
        assert (await store.get_by_id("doc-3"))["track_id"] == "batch-1"
        assert await store.filter_keys({"doc-3", "doc-99"}) == {"doc-99"}
        await store.delete(["doc-3"])
        assert (await store.get_status_counts())["processed"] == 6
        await store.drop()
        assert await store.is_empty()
    finally:
        await store.finalize()
