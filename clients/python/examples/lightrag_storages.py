"""A LightRAG workspace on pgrag, storage by storage, as LightRAG itself would call them.

Run it against a pgrag server with a tenant key (see the README, "Using pgrag from LightRAG"):
    PGRAG_URL=http://localhost:8000/rag/v1 PGRAG_API_KEY=... python3 lightrag_storages.py
The embedding function is a stand-in of the server's dimension (PGRAG_EMBEDDING_DIM, 1536 by
default); with LightRAG you pass your real one and LightRAG passes it on to the storages.
"""

import asyncio
import hashlib
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pgrag_lightrag import (  # noqa: E402
    PgragDocStatusStorage,
    PgragGraphStorage,
    PgragKVStorage,
    PgragVectorStorage,
)

DIMENSION = int(os.environ.get("PGRAG_EMBEDDING_DIM", "1536"))


async def embed(texts):
    seeds = [int(hashlib.md5(t.encode()).hexdigest()[:8], 16) for t in texts]
    return np.array([np.random.default_rng(s).standard_normal(DIMENSION) for s in seeds])


async def main():
    config = {"embedding_batch_num": 32,
              "vector_db_storage_cls_kwargs": {"cosine_better_than_threshold": 0.2}}
    fields = {"workspace": "", "global_config": config, "embedding_func": embed}
    docs = PgragKVStorage(namespace="full_docs", **fields)
    chunks = PgragVectorStorage(namespace="chunks", meta_fields={"full_doc_id"}, **fields)
    graph = PgragGraphStorage(namespace="chunk_entity_relation", **fields)
    status = PgragDocStatusStorage(namespace="doc_status", **fields)
    for storage in (docs, chunks, graph, status):
        await storage.initialize()

    await docs.upsert({"doc-1": {"content": "Marie Curie discovered polonium in Paris."}})
    await status.upsert({"doc-1": {"status": "processed", "file_path": "curie.txt"}})
    await chunks.upsert({"chunk-1": {"content": "Marie Curie discovered polonium in Paris.",
                                     "full_doc_id": "doc-1"}})
    await graph.upsert_node("Marie Curie", {"entity_id": "Marie Curie", "entity_type": "person",
                                            "description": "physicist", "source_id": "chunk-1"})
    await graph.upsert_node("Polonium", {"entity_id": "Polonium", "entity_type": "element",
                                         "description": "element 84", "source_id": "chunk-1"})
    await graph.upsert_edge("Marie Curie", "Polonium", {"description": "discovered",
                                                        "weight": 1.0, "source_id": "chunk-1"})

    print("missing:", await docs.filter_keys({"doc-1", "doc-2"}))
    hits = await chunks.query("Marie Curie discovered polonium in Paris.", top_k=3)
    print("nearest chunk:", hits[0]["id"], "from", hits[0]["full_doc_id"])
    print("edge degree:", await graph.edge_degree("Polonium", "Marie Curie"))
    kg = await graph.get_knowledge_graph("*")
    print("graph:", sorted(n.id for n in kg.nodes), len(kg.edges), "edge")
    print("status counts:", await status.get_all_status_counts())

    for storage in (docs, chunks, graph, status):
        await storage.drop()
        await storage.finalize()


asyncio.run(main())
