"""LightRAG's BaseGraphStorage over pgrag's knowledge graph (undirected; one tenant's graph).

A node's or edge's LightRAG dict is kept whole in pgrag's `properties`, and its well-known
fields (entity_type, description, source_id, keywords, weight, file_path) in pgrag's columns,
so pgrag's own graph routes and search see them too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .kv import batches
from .lightrag_types import (
    GRAPH_FIELD_SEP,
    KnowledgeGraph,
    KnowledgeGraphEdge,
    KnowledgeGraphNode,
)
from .storage import PgragStorage, base_class

# pgrag's bounds on one subgraph and one export.
MAX_SUBGRAPH_NODES = 10_000
MAX_EXPORT_NODES = 100_000
MAX_LABELS = 1000


def _chunk_ids(value: Any) -> list[str]:
    return [part for part in str(value or "").split(GRAPH_FIELD_SEP) if part]


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def node_of(entity: dict[str, Any]) -> dict[str, Any]:
    """A pgrag entity as LightRAG's node dict."""
    node = {
        "entity_id": entity["name"],
        "entity_type": entity.get("type"),
        "description": entity.get("description"),
        "source_id": GRAPH_FIELD_SEP.join(entity.get("source_chunk_ids") or []),
        "file_path": entity.get("file_path"),
    }
    node = {k: v for k, v in node.items() if v is not None}
    node.update(entity.get("properties") or {})
    return node


def edge_of(relation: dict[str, Any]) -> dict[str, Any]:
    """A pgrag relation as LightRAG's edge dict."""
    edge = {
        "description": relation.get("description"),
        "keywords": relation.get("keywords"),
        "source_id": GRAPH_FIELD_SEP.join(relation.get("source_chunk_ids") or []),
        "file_path": relation.get("file_path"),
    }
    edge = {k: v for k, v in edge.items() if v is not None}
    edge.update(relation.get("properties") or {})
    edge["weight"] = float(edge.get("weight", relation.get("weight", 1.0)))
    return edge


def _other_end(relation: dict[str, Any], name: str) -> str:
    return relation["target"] if relation["source"] == name else relation["source"]


@dataclass
class PgragGraphStorage(PgragStorage, base_class("lightrag.base", "BaseGraphStorage")):
    """chunk_entity_relation: the workspace's knowledge graph."""

    async def _entities(self, names: list[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        unique = list(dict.fromkeys(names))
        for part in batches(unique):
            items = (await self.client.post("/graph/entities/get", {"names": part}))["items"]
            found.update({name: item for name, item in zip(part, items) if item is not None})
        return found

    async def _relations(self, pairs: list[tuple[str, str]]) -> list[dict[str, Any] | None]:
        found: list[dict[str, Any] | None] = []
        for part in batches([list(pair) for pair in pairs]):
            found += (await self.client.post("/graph/relations/get", {"pairs": part}))["items"]
        return found

    async def has_node(self, node_id: str) -> bool:
        return node_id in await self._entities([node_id])

    async def has_edge(self, source_node_id: str, target_node_id: str) -> bool:
        return (await self._relations([(source_node_id, target_node_id)]))[0] is not None

    async def node_degree(self, node_id: str) -> int:
        return (await self.node_degrees_batch([node_id]))[node_id]

    async def edge_degree(self, src_id: str, tgt_id: str) -> int:
        return (await self.edge_degrees_batch([(src_id, tgt_id)]))[(src_id, tgt_id)]

    async def get_node(self, node_id: str) -> dict[str, str] | None:
        entity = (await self._entities([node_id])).get(node_id)
        return None if entity is None else node_of(entity)

    async def get_edge(self, source_node_id: str, target_node_id: str) -> dict[str, str] | None:
        relation = (await self._relations([(source_node_id, target_node_id)]))[0]
        return None if relation is None else edge_of(relation)

    async def get_node_edges(self, source_node_id: str) -> list[tuple[str, str]] | None:
        answer = await self.client.post("/graph/entities/relations", {"names": [source_node_id]})
        relations = answer["items"][0]
        if relations is None:
            return None
        return [(source_node_id, _other_end(r, source_node_id)) for r in relations]

    async def get_nodes_batch(self, node_ids: list[str]) -> dict[str, dict]:
        return {name: node_of(e) for name, e in (await self._entities(node_ids)).items()}

    async def node_degrees_batch(self, node_ids: list[str]) -> dict[str, int]:
        found = await self._entities(node_ids)
        return {name: int(found[name]["degree"]) if name in found else 0 for name in node_ids}

    async def edge_degrees_batch(self, edge_pairs: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
        names = [name for pair in edge_pairs for name in pair]
        degrees = await self.node_degrees_batch(names)
        return {(a, b): degrees[a] + degrees[b] for a, b in edge_pairs}

    async def get_edges_batch(self, pairs: list[dict[str, str]]) -> dict[tuple[str, str], dict]:
        keys = [(pair["src"], pair["tgt"]) for pair in pairs]
        relations = await self._relations(keys)
        return {key: edge_of(r) for key, r in zip(keys, relations) if r is not None}

    async def get_nodes_edges_batch(self, node_ids: list[str]) -> dict[str, list[tuple[str, str]]]:
        edges: dict[str, list[tuple[str, str]]] = {}
        for part in batches(list(dict.fromkeys(node_ids))):
            answer = await self.client.post("/graph/entities/relations", {"names": part})
            for name, relations in zip(part, answer["items"]):
                edges[name] = [(name, _other_end(r, name)) for r in relations or []]
        return edges

    async def upsert_node(self, node_id: str, node_data: dict[str, str]) -> None:
        await self.client.post("/graph/entities", {"entities": [{
            "name": node_id,
            "type": _text(node_data.get("entity_type")),
            "description": _text(node_data.get("description")),
            "source_chunk_ids": _chunk_ids(node_data.get("source_id")),
            "file_path": _text(node_data.get("file_path")),
            "properties": dict(node_data),
        }]})

    async def upsert_edge(
        self, source_node_id: str, target_node_id: str, edge_data: dict[str, str]
    ) -> None:
        weight = edge_data.get("weight")
        await self.client.post("/graph/relations", {"relations": [{
            "source": source_node_id,
            "target": target_node_id,
            "description": _text(edge_data.get("description")),
            "keywords": _text(edge_data.get("keywords")),
            "weight": None if weight is None else float(weight),
            "source_chunk_ids": _chunk_ids(edge_data.get("source_id")),
            "file_path": _text(edge_data.get("file_path")),
            "properties": dict(edge_data),
        }]})

    async def delete_node(self, node_id: str) -> None:
        await self.remove_nodes([node_id])

    async def remove_nodes(self, nodes: list[str]) -> None:
        for part in batches(list(nodes)):
            await self.client.post("/graph/entities/delete", {"names": part})

    async def remove_edges(self, edges: list[tuple[str, str]]) -> None:
        for part in batches([list(edge) for edge in edges]):
            await self.client.post("/graph/relations/delete", {"pairs": part})

    async def embed_nodes(self, algorithm: str):
        raise NotImplementedError("node embedding is not used by LightRAG's query flow")

    async def _export(self) -> dict[str, Any]:
        return await self.client.get("/graph/export", {"max_nodes": MAX_EXPORT_NODES})

    async def get_all_labels(self) -> list[str]:
        return [e["name"] for e in (await self._export())["entities"]]

    async def get_all_nodes(self) -> list[dict]:
        return [{**node_of(e), "id": e["name"]} for e in (await self._export())["entities"]]

    async def get_all_edges(self) -> list[dict]:
        return [{**edge_of(r), "source": r["source"], "target": r["target"]}
                for r in (await self._export())["relations"]]

    async def get_popular_labels(self, limit: int = 300) -> list[str]:
        answer = await self.client.get("/graph/labels", {"limit": max(1, min(limit, MAX_LABELS))})
        return [item["name"] for item in answer["items"]]

    async def search_labels(self, query: str, limit: int = 50) -> list[str]:
        answer = await self.client.get(
            "/graph/labels", {"q": query, "limit": max(1, min(limit, MAX_LABELS))}
        )
        return [item["name"] for item in answer["items"]]

    async def get_knowledge_graph(
        self, node_label: str, max_depth: int = 3, max_nodes: int | None = None
    ) -> KnowledgeGraph:
        if max_nodes is None:
            max_nodes = int(self.global_config.get("max_graph_nodes", 1000))
        answer = await self.client.get("/graph/subgraph", {
            "label": node_label,
            "max_depth": max(0, min(max_depth, 10)),
            "max_nodes": max(1, min(max_nodes, MAX_SUBGRAPH_NODES)),
        })
        nodes = [KnowledgeGraphNode(id=n["name"], labels=[n["name"]], properties=node_of(n))
                 for n in answer["nodes"]]
        edges = [KnowledgeGraphEdge(id=f"{r['source']}-{r['target']}", type="DIRECTED",
                                    source=r["source"], target=r["target"],
                                    properties=edge_of(r))
                 for r in answer["edges"]]
        return KnowledgeGraph(nodes=nodes, edges=edges, is_truncated=answer["is_truncated"])

    async def drop(self) -> dict[str, str]:
        return self.dropped((await self.client.post("/graph/drop"))["deleted"])
