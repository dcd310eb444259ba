"""LightRAG-style ingest through pgrag_lightrag: the storage writes of LightRAG's ainsert.

Reads the plan (documents with their chunks) as JSON on stdin, writes it the way LightRAG's
pipeline does (enqueue: full_docs and doc_status for all documents; then per document, two at
a time as LightRAG's max_parallel_insert: doc_status processing, chunk vectors, text_chunks,
one extract cache entry per chunk, doc_status processed), and prints {"rows", "seconds"}.
"""

import asyncio
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "clients" / "python"))

from pgrag_lightrag import PgragDocStatusStorage, PgragKVStorage, PgragVectorStorage  # noqa: E402

PARALLEL_DOCUMENTS = 2


def make_embedding(dimension):
    async def embed(texts):
        rows = []
        for text in texts:
            seed = int.from_bytes(hashlib.md5(text.encode()).digest()[:4], "little")
            rows.append(np.random.default_rng(seed).standard_normal(dimension))
        return np.array(rows, dtype=np.float32)

    return embed


async def main():
    plan = json.load(sys.stdin)
    embed = make_embedding(plan["dimension"])
    config = {"embedding_batch_num": 32}

    async def open_storage(cls, namespace):
        storage = cls(namespace=namespace, workspace="", global_config=config,
                      embedding_func=embed)
        await storage.initialize()
        return storage

    full_docs = await open_storage(PgragKVStorage, "full_docs")
    text_chunks = await open_storage(PgragKVStorage, "text_chunks")
    cache = await open_storage(PgragKVStorage, "llm_response_cache")
    chunks_vdb = await open_storage(PgragVectorStorage, "chunks")
    doc_status = await open_storage(PgragDocStatusStorage, "doc_status")
    docs = plan["documents"]
    rows = 0
    started = time.perf_counter()

    await full_docs.upsert({d["id"]: {"content": d["content"], "file_path": d["id"]} for d in docs})
    await doc_status.upsert({d["id"]: {"status": "pending", "content_length": len(d["content"]),
                                       "file_path": d["id"]} for d in docs})
    rows += 2 * len(docs)
    gate = asyncio.Semaphore(PARALLEL_DOCUMENTS)

    async def process(doc):
        nonlocal rows
        async with gate:
            chunks = {c["id"]: {"content": c["content"], "full_doc_id": doc["id"],
                                "chunk_order_index": c["index"], "tokens": c["tokens"]}
                      for c in doc["chunks"]}
            await doc_status.upsert({doc["id"]: {"status": "processing", "file_path": doc["id"],
                                                 "chunks_count": len(chunks)}})
            await asyncio.gather(chunks_vdb.upsert(chunks), text_chunks.upsert(chunks))
            for chunk_id, chunk in chunks.items():
                await cache.upsert({f"extract-{chunk_id}": {
                    "return": "(entity extraction answer)", "cache_type": "extract",
                    "chunk_id": chunk_id, "original_prompt": chunk["content"]}})
            await doc_status.upsert({doc["id"]: {"status": "processed", "file_path": doc["id"],
                                                 "chunks_count": len(chunks)}})
            rows += 2 + 3 * len(chunks)

    await asyncio.gather(*(process(doc) for doc in docs))
    seconds = time.perf_counter() - started
    for storage in (full_docs, text_chunks, cache, chunks_vdb, doc_status):
        await storage.finalize()
    print(json.dumps({"rows": rows, "seconds": seconds}))


asyncio.run(main())
