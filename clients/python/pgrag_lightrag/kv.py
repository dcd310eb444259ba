"""LightRAG's BaseKVStorage over pgrag's /kv/{namespace} routes (one namespace a class)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .client import segment
from .storage import PgragStorage, base_class

# pgrag's default limit of items in one request (PGRAG_MAX_BATCH_ITEMS).
BATCH_ITEMS = 1000


def batches(items: list, size: int = BATCH_ITEMS):
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class PgragKVStorage(PgragStorage, base_class("lightrag.base", "BaseKVStorage")):
    """full_docs, text_chunks, llm_response_cache, full_entities, full_relations,
    entity_chunks, relation_chunks, and any namespace a LightRAG release adds."""

    def _path(self, operation: str) -> str:
        return f"/kv/{segment(self._ns)}/{operation}"

    async def get_by_id(self, id: str) -> dict[str, Any] | None:
        return (await self.get_by_ids([id]))[0]

    async def get_by_ids(self, ids: list[str]) -> list[dict[str, Any] | None]:
        found: list[dict[str, Any] | None] = []
        for part in batches(list(ids)):
            found += (await self.client.post(self._path("get"), {"ids": part}))["items"]
        return found

    async def filter_keys(self, keys: set[str]) -> set[str]:
        missing: set[str] = set()
        for part in batches(sorted(keys)):
            missing |= set((await self.client.post(self._path("missing"), {"ids": part}))["missing"])
        return missing

    async def upsert(self, data: dict[str, dict[str, Any]]) -> None:
        items = list(data.items())
        for part in batches(items):
            await self.client.post(self._path("upsert"), {"entries": dict(part)})

    async def delete(self, ids: list[str]) -> None:
        for part in batches(list(ids)):
            await self.client.post(self._path("delete"), {"ids": part})

    async def is_empty(self) -> bool:
        page = await self.client.post(self._path("query"), {"limit": 0})
        return page["total"] == 0

    async def drop(self) -> dict[str, str]:
        return self.dropped((await self.client.post(self._path("drop")))["deleted"])
