"""LightRAG's BaseVectorStorage over pgrag's /vectors/{namespace} routes."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .client import segment
from .kv import batches
from .storage import PgragStorage, base_class


def entity_vector_id(entity_name: str) -> str:
    """The id LightRAG gives an entity's vector: "ent-" and the md5 of its name."""
    return "ent-" + hashlib.md5(entity_name.encode()).hexdigest()


@dataclass
class PgragVectorStorage(PgragStorage, base_class("lightrag.base", "BaseVectorStorage")):
    """chunks, entities and relationships; embeddings computed with LightRAG's embedding_func."""

    cosine_better_than_threshold: float = 0.2
    meta_fields: set[str] = field(default_factory=set)

    async def initialize(self) -> None:
        await super().initialize()
        kwargs = self.global_config.get("vector_db_storage_cls_kwargs") or {}
        threshold = kwargs.get("cosine_better_than_threshold")
        if threshold is not None:
            self.cosine_better_than_threshold = float(threshold)
        self._batch_size = int(self.global_config.get("embedding_batch_num", 32))

    def _path(self, operation: str) -> str:
        return f"/vectors/{segment(self._ns)}/{operation}"

    async def _embed(self, texts: list[str]) -> list[list[float]]:
        """Embeddings of `texts` in LightRAG's batches, the batches computed concurrently."""
        parts = list(batches(texts, self._batch_size))
        results = await asyncio.gather(*(self.embedding_func(part) for part in parts))
        return [list(map(float, row)) for result in results for row in np.asarray(result)]

    def _record(self, id: str, value: dict[str, Any], embedding: list[float]) -> dict[str, Any]:
        metadata = {k: v for k, v in value.items() if k != "content"}
        if self.meta_fields:
            metadata = {k: v for k, v in metadata.items() if k in self.meta_fields}
        return {"id": id, "content": value.get("content", ""), "metadata": metadata,
                "embedding": embedding}

    async def upsert(self, data: dict[str, dict[str, Any]]) -> None:
        if not data:
            return
        items = list(data.items())
        embeddings = await self._embed([value.get("content", "") for _, value in items])
        records = [self._record(id, value, vector) for (id, value), vector in zip(items, embeddings)]
        for part in batches(records):
            await self.client.post(self._path("upsert"), {"records": part})

    async def query(
        self, query: str, top_k: int, query_embedding: list[float] | None = None
    ) -> list[dict[str, Any]]:
        if query_embedding is None:
            query_embedding = (await self._embed([query]))[0]
        answer = await self.client.post(self._path("query"), {
            "embedding": [float(x) for x in query_embedding],
            "top_k": max(1, min(int(top_k), 1000)),
            "min_similarity": self.cosine_better_than_threshold,
        })
        return [_flatten(result) for result in answer["results"]]

    async def delete(self, ids: list[str]) -> None:
        for part in batches(list(ids)):
            await self.client.post(self._path("delete"), {"ids": part})

    async def delete_entity(self, entity_name: str) -> None:
        await self.client.post(self._path("delete"), {
            "ids": [entity_vector_id(entity_name)],
            "entity_name": entity_name,
        })

    async def delete_entity_relation(self, entity_name: str) -> None:
        await self.client.post(self._path("delete"), {"relations_of": entity_name})

    async def get_by_id(self, id: str) -> dict[str, Any] | None:
        return (await self.get_by_ids([id]))[0]

    async def get_by_ids(self, ids: list[str]) -> list[dict[str, Any] | None]:
        found: list[dict[str, Any] | None] = []
        for part in batches(list(ids)):
            items = (await self.client.post(self._path("get"), {"ids": part}))["items"]
            found += [None if item is None else _flatten(item) for item in items]
        return found

    async def get_vectors_by_ids(self, ids: list[str]) -> dict[str, list[float]]:
        vectors: dict[str, list[float]] = {}
        for part in batches(list(ids)):
            answer = await self.client.post(
                self._path("get"), {"ids": part, "include_embedding": True}
            )
            vectors.update({item["id"]: item["embedding"] for item in answer["items"] if item})
        return vectors

    async def drop(self) -> dict[str, str]:
        return self.dropped((await self.client.post(self._path("drop")))["deleted"])


def _flatten(item: dict[str, Any]) -> dict[str, Any]:
    """A pgrag vector record as LightRAG reads one: its metadata fields at the top level."""
    flat = dict(item.get("metadata") or {})
    for key in ("id", "content", "created_at", "distance", "similarity"):
        if key in item:
            flat[key] = item[key]
    return flat
