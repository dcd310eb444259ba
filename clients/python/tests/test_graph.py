"""LightRAG's graph-storage scenarios, in this suite's own words."""

from conftest import PgragGraphStorage, open_storage, run
from pgrag_lightrag import KnowledgeGraph


def node(name, kind="person", description=None, chunks="chunk-1"):
    return {"entity_id": name, "entity_type": kind,
            "description": description or f"about {name}", "source_id": chunks}


def edge(description="related", weight=1.0, keywords="k"):
    return {"description": description, "weight": weight, "keywords": keywords,
            "source_id": "chunk-1"}


async def fresh_graph(workspace="alpha"):
    graph = await open_storage(PgragGraphStorage, "chunk_entity_relation", workspace)
    await graph.drop()
    return graph


@run
async def test_nodes_and_edges_round_trip_and_edges_are_undirected():
    graph = await fresh_graph()
    try:
        await graph.upsert_node("Ada", node("Ada", chunks="c1<SEP>c2"))
        await graph.upsert_node("Babbage", node("Babbage"))
        await graph.upsert_edge("Ada", "Babbage", edge("worked with", 2.5))
        assert await graph.has_node("Ada") and not await graph.has_node("Nobody")
        ada = await graph.get_node("Ada")
        assert ada["entity_id"] == "Ada" and ada["entity_type"] == "person"
        assert ada["description"] == "about Ada" and ada["source_id"] == "c1<SEP>c2"
        assert await graph.get_node("Nobody") is None
        forward = await graph.get_edge("Ada", "Babbage")
        reverse = await graph.get_edge("Babbage", "Ada")
        assert forward == reverse
        assert forward["description"] == "worked with" and forward["weight"] == 2.5
        assert await graph.has_edge("Babbage", "Ada")
        assert await graph.get_edge("Ada", "Nobody") is None
        assert not await graph.has_edge("Ada", "Nobody")
    finally:
        await graph.finalize()


@run
async def test_degrees_one_two_one_and_edge_degree_three():
    graph = await fresh_graph()
    try:
        for name in ["A", "B", "C"]:
            await graph.upsert_node(name, node(name))
        await graph.upsert_edge("A", "B", edge())
        await graph.upsert_edge("B", "C", edge())
        await graph.upsert_node("Alone", node("Alone"))
        assert [await graph.node_degree(n) for n in ["A", "B", "C"]] == [1, 2, 1]
        assert await graph.node_degree("Nobody") == 0
        assert await graph.edge_degree("A", "B") == 3
        assert await graph.edge_degree("C", "B") == 3
        assert sorted(await graph.get_node_edges("B")) == [("B", "A"), ("B", "C")]
        assert await graph.get_node_edges("Alone") == []
        assert await graph.get_node_edges("Nobody") is None
    finally:
        await graph.finalize()


@run
async def test_batch_methods():
    graph = await fresh_graph()
    try:
        for name in ["A", "B", "C"]:
            await graph.upsert_node(name, node(name))
        await graph.upsert_edge("A", "B", edge("ab"))
        await graph.upsert_edge("B", "C", edge("bc"))
        nodes = await graph.get_nodes_batch(["A", "C", "Nobody"])
        assert set(nodes) == {"A", "C"} and nodes["C"]["entity_id"] == "C"
        assert await graph.node_degrees_batch(["A", "B", "Nobody"]) == {"A": 1, "B": 2, "Nobody": 0}
        assert await graph.edge_degrees_batch([("A", "B"), ("C", "B")]) == {("A", "B"): 3,
                                                                            ("C", "B"): 3}
        edges = await graph.get_edges_batch([{"src": "B", "tgt": "A"}, {"src": "A", "tgt": "C"}])
        assert list(edges) == [("B", "A")] and edges[("B", "A")]["description"] == "ab"
        per_node = await graph.get_nodes_edges_batch(["A", "B", "Nobody"])
        assert per_node["A"] == [("A", "B")]
        assert sorted(per_node["B"]) == [("B", "A"), ("B", "C")]
        assert per_node["Nobody"] == []
    finally:
        await graph.finalize()


@run
async def test_labels_star_subgraph_and_listing_everything():
    graph = await fresh_graph()
    try:
        for name in ["Hub", "Leaf 1", "Leaf 2", "Far"]:
            await graph.upsert_node(name, node(name))
        await graph.upsert_edge("Hub", "Leaf 1", edge())
        await graph.upsert_edge("Hub", "Leaf 2", edge())
        await graph.upsert_edge("Leaf 2", "Far", edge())
        assert await graph.get_all_labels() == ["Far", "Hub", "Leaf 1", "Leaf 2"]
        assert (await graph.get_popular_labels(2))[0] == "Hub"
        assert "Leaf 1" in await graph.search_labels("Leaf", 10)
        everything = await graph.get_knowledge_graph("*", max_depth=3, max_nodes=100)
        assert isinstance(everything, KnowledgeGraph)
        assert {n.id for n in everything.nodes} == {"Hub", "Leaf 1", "Leaf 2", "Far"}
        assert len(everything.edges) == 3 and not everything.is_truncated
        near = await graph.get_knowledge_graph("Hub", max_depth=1)
        assert {n.id for n in near.nodes} == {"Hub", "Leaf 1", "Leaf 2"}
        assert near.nodes[0].properties["entity_id"] in {"Hub", "Leaf 1", "Leaf 2"}
        truncated = await graph.get_knowledge_graph("*", max_nodes=2)
        assert len(truncated.nodes) == 2 and truncated.is_truncated
        all_nodes = await graph.get_all_nodes()
        assert {n["id"] for n in all_nodes} == {"Hub", "Leaf 1", "Leaf 2", "Far"}
        all_edges = await graph.get_all_edges()
        assert {frozenset((e["source"], e["target"])) for e in all_edges} == {
            frozenset(("Hub", "Leaf 1")), frozenset(("Hub", "Leaf 2")), frozenset(("Leaf 2", "Far"))}
    finally:
        await graph.finalize()


@run
async def test_deletes_remove_both_directions():
    graph = await fresh_graph()
    try:
        for name in ["A", "B", "C", "D"]:
            await graph.upsert_node(name, node(name))
        await graph.upsert_edge("A", "B", edge())
        await graph.upsert_edge("B", "C", edge())
        await graph.upsert_edge("C", "D", edge())
        await graph.remove_edges([("B", "A")])
        assert not await graph.has_edge("A", "B") and not await graph.has_edge("B", "A")
        await graph.delete_node("C")
        assert not await graph.has_node("C")
        assert not await graph.has_edge("B", "C") and not await graph.has_edge("D", "C")
        assert await graph.node_degree("D") == 0
        await graph.remove_nodes(["A", "B", "Nobody"])
        assert await graph.get_all_labels() == ["D"]
        await graph.delete_node("Nobody")  # deleting what is not there is not an error
        await graph.index_done_callback()
        assert (await graph.drop())["status"] == "success"
        assert await graph.get_all_labels() == []
    finally:
        await graph.finalize()


@run
async def test_special_characters_in_names():
    graph = await fresh_graph()
    names = ["O'Brien", 'say "hi"', "back\\slash", "a/b?c#d%2F", "$$dollar$$", "東京 🚀",
             "}) MATCH (n) DETACH DELETE n //", "trailing "]
    try:
        for name in names:
            await graph.upsert_node(name, node(name, description=f"desc of {name}"))
        for a, b in zip(names, names[1:]):
            await graph.upsert_edge(a, b, edge(f"{a}->{b}"))
        for name in names:
            assert (await graph.get_node(name))["description"] == f"desc of {name}"
        assert (await graph.get_edge(names[3], names[2]))["description"] == f"{names[2]}->{names[3]}"
        assert await graph.node_degree(names[0]) == 1 and await graph.node_degree(names[4]) == 2
        await graph.delete_node(names[3])
        assert not await graph.has_node(names[3])
        assert sorted(await graph.get_all_labels()) == sorted(n for n in names if n != names[3])
    finally:
        await graph.drop()
        await graph.finalize()


@run
async def test_upserting_a_node_again_replaces_its_fields():
    graph = await fresh_graph()
    try:
        await graph.upsert_node("X", node("X", description="first"))
        await graph.upsert_node("X", {**node("X", description="second"), "extra": "kept"})
        x = await graph.get_node("X")
        assert x["description"] == "second" and x["extra"] == "kept"
    finally:
        await graph.finalize()
