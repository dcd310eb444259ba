"""LightRAG's insert-then-query flow, replayed through the adapter.

LightRAG cannot be installed here (no package index), so this replays the storage calls its
``ainsert`` (enqueue, then the processing pipeline) and ``aquery`` (hybrid mode) make, in their
order, as recorded from LightRAG's source (lightrag/lightrag.py and lightrag/operate.py), with a
deterministic stand-in for the LLM: the "entities" of a chunk are its capitalised words, and
consecutive ones are "related".
"""

import hashlib
import re

from conftest import (FakeEmbedding, PgragDocStatusStorage, PgragGraphStorage, PgragKVStorage,
                      PgragVectorStorage, open_storage, run)
from pgrag_lightrag.lightrag_types import DocStatus

DOCS = {
    "doc-curie": "Marie Curie worked with Pierre Curie in Paris on radium.",
    "doc-turing": "Alan Turing worked at Bletchley Park on Enigma.",
}


def md5_id(text, prefix):
    return prefix + hashlib.md5(text.encode()).hexdigest()


def fake_extraction(chunk):
    names = re.findall(r"[A-Z][a-z]+(?: [A-Z][a-z]+)?", chunk)
    return names, list(zip(names, names[1:]))


async def open_all(embedding):
    kv = {ns: await open_storage(PgragKVStorage, ns, embedding=embedding) for ns in [
        "full_docs", "text_chunks", "llm_response_cache", "full_entities", "full_relations",
        "entity_chunks", "relation_chunks"]}
    vdb = {ns: await open_storage(PgragVectorStorage, ns, embedding=embedding) for ns in [
        "chunks", "entities", "relationships"]}
    graph = await open_storage(PgragGraphStorage, "chunk_entity_relation", embedding=embedding)
    status = await open_storage(PgragDocStatusStorage, "doc_status", embedding=embedding)
    return kv, vdb, graph, status


async def ainsert(kv, vdb, graph, status, docs, track_id):
    # apipeline_enqueue_documents
    new_ids = await kv["full_docs"].filter_keys(set(docs))
    await kv["full_docs"].upsert({i: {"content": docs[i], "file_path": f"{i}.txt"} for i in new_ids})
    await status.upsert({i: {"status": DocStatus.PENDING.value, "content_summary": docs[i][:100],
                             "content_length": len(docs[i]), "file_path": f"{i}.txt",
                             "track_id": track_id, "created_at": "2026-12-03T00:00:00+00:00",
                             "updated_at": "2026-12-03T00:00:00+00:00"} for i in new_ids})
    # apipeline_process_enqueue_documents
    to_process = {}
    for state in (DocStatus.PROCESSING, DocStatus.FAILED, DocStatus.PENDING):
        to_process.update(await status.get_docs_by_status(state))
    for doc_id, doc in to_process.items():
        content = (await kv["full_docs"].get_by_id(doc_id))["content"]
        chunks = {md5_id(part, "chunk-"): {"content": part, "full_doc_id": doc_id,
                                           "chunk_order_index": n, "tokens": len(part.split()),
                                           "file_path": doc.file_path}
                  for n, part in enumerate([content])}
        await status.upsert({doc_id: {**(await status.get_by_id(doc_id)),
                                      "status": DocStatus.PROCESSING.value,
                                      "chunks_count": len(chunks), "chunks_list": list(chunks)}})
        await vdb["chunks"].upsert(chunks)
        await kv["text_chunks"].upsert(chunks)
        # extract_entities: one cached LLM call per chunk
        entity_names, pairs = set(), set()
        for chunk_id, chunk in chunks.items():
            cache_key = md5_id(chunk["content"], "extract-")
            cached = await kv["llm_response_cache"].get_by_id(cache_key)
            if cached is None:
                names, rels = fake_extraction(chunk["content"])
                await kv["llm_response_cache"].upsert({cache_key: {
                    "return": repr((names, rels)), "cache_type": "extract",
                    "chunk_id": chunk_id, "original_prompt": chunk["content"]}})
            else:
                names, rels = fake_extraction(chunk["content"])
            # merge_nodes_and_edges
            existing = await graph.get_nodes_batch(names)
            for name in names:
                earlier = existing.get(name, {}).get("source_id", "")
                source = "<SEP>".join(filter(None, [earlier, chunk_id]))
                await graph.upsert_node(name, {"entity_id": name, "entity_type": "thing",
                                               "description": f"{name} is mentioned",
                                               "source_id": source, "file_path": doc.file_path})
                entity_names.add(name)
            for a, b in rels:
                await graph.get_edge(a, b)
                await graph.upsert_edge(a, b, {"description": f"{a} and {b}", "keywords": "with",
                                               "weight": 1.0, "source_id": chunk_id})
                pairs.add((a, b))
            await vdb["entities"].upsert({md5_id(n, "ent-"): {
                "content": f"{n}\n{n} is mentioned", "entity_name": n, "source_id": chunk_id,
                "file_path": doc.file_path} for n in names})
            await vdb["relationships"].upsert({md5_id(a + b, "rel-"): {
                "content": f"with\t{a}\n{b}\n{a} and {b}", "src_id": a, "tgt_id": b,
                "source_id": chunk_id} for a, b in rels})
        await kv["full_entities"].upsert({doc_id: {"entity_names": sorted(entity_names),
                                                   "count": len(entity_names)}})
        await kv["full_relations"].upsert({doc_id: {"relation_pairs": sorted(map(list, pairs)),
                                                    "count": len(pairs)}})
        await kv["entity_chunks"].upsert({n: {"chunk_ids": list(chunks), "count": len(chunks)}
                                          for n in entity_names})
        await kv["relation_chunks"].upsert({f"{a}<SEP>{b}": {"chunk_ids": list(chunks)}
                                            for a, b in pairs})
        await status.upsert({doc_id: {**(await status.get_by_id(doc_id)),
                                      "status": DocStatus.PROCESSED.value}})
    for storage in [*kv.values(), *vdb.values(), graph, status]:
        await storage.index_done_callback()


async def aquery_hybrid(kv, vdb, graph, question, low_level, high_level):
    query_key = md5_id(question, "query-")
    assert await kv["llm_response_cache"].get_by_id(query_key) is None
    # _get_node_data: entities by low-level keywords, then their graph context
    hits = await vdb["entities"].query(low_level, top_k=5)
    names = [hit["entity_name"] for hit in hits]
    nodes = await graph.get_nodes_batch(names)
    degrees = await graph.node_degrees_batch(names)
    node_edges = await graph.get_nodes_edges_batch(names)
    edge_pairs = list({tuple(sorted(e)) for edges in node_edges.values() for e in edges})
    edges = await graph.get_edges_batch([{"src": a, "tgt": b} for a, b in edge_pairs])
    edge_degrees = await graph.edge_degrees_batch(edge_pairs)
    # _get_edge_data: relations by high-level keywords
    relation_hits = await vdb["relationships"].query(high_level, top_k=5)
    # text units of what was found
    chunk_ids = {c for n in nodes.values() for c in n["source_id"].split("<SEP>")}
    chunks = await kv["text_chunks"].get_by_ids(sorted(chunk_ids))
    naive = await vdb["chunks"].query(question, top_k=2)
    answer = " | ".join(sorted(c["content"] for c in chunks if c))
    await kv["llm_response_cache"].upsert({query_key: {"return": answer, "cache_type": "query"}})
    return {"names": names, "degrees": degrees, "edges": edges, "edge_degrees": edge_degrees,
            "relations": relation_hits, "answer": answer, "naive": naive}


@run
async def test_insert_then_query_through_the_adapter():
    embedding = FakeEmbedding()
    kv, vdb, graph, status = await open_all(embedding)
    storages = [*kv.values(), *vdb.values(), graph, status]
    try:
        for storage in storages:
            await storage.drop()
        await ainsert(kv, vdb, graph, status, DOCS, "track-1")
        assert await status.get_all_status_counts() == {"processed": 2, "all": 2}
        assert len(await status.get_docs_by_track_id("track-1")) == 2
        assert set(await graph.get_all_labels()) >= {"Marie Curie", "Pierre Curie", "Alan Turing"}
        assert (await kv["full_entities"].get_by_id("doc-turing"))["count"] >= 3

        # Inserting the same documents again finds nothing new to enqueue.
        assert await kv["full_docs"].filter_keys(set(DOCS)) == set()

        result = await aquery_hybrid(kv, vdb, graph, "Who worked with Pierre Curie?",
                                     "Pierre Curie\nPierre Curie is mentioned", "with")
        assert "Pierre Curie" in result["names"]
        assert result["degrees"]["Pierre Curie"] == 2  # Marie Curie and Paris
        assert all(d >= 2 for d in result["edge_degrees"].values())
        assert "radium" in result["answer"]
        assert result["relations"] and result["naive"]
        cached = await kv["llm_response_cache"].get_by_id(
            md5_id("Who worked with Pierre Curie?", "query-"))
        assert cached["return"] == result["answer"]
    finally:
        for storage in storages:
            await storage.drop()
            await storage.finalize()
