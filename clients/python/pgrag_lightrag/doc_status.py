"""LightRAG's DocStatusStorage: doc status records in pgrag's `doc_status` key-value namespace,
queried by the server (containment filter, sort, offset page, total, counts)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from .kv import BATCH_ITEMS, PgragKVStorage
from .lightrag_types import DocProcessingStatus, DocStatus
from .storage import base_class

_STATUS_FIELDS = {f.name for f in dataclasses.fields(DocProcessingStatus)}
SORT_FIELDS = {"created_at", "updated_at", "id", "file_path"}


def doc_status_of(record: dict[str, Any]) -> DocProcessingStatus:
    """A stored record as LightRAG's DocProcessingStatus (fields it does not know dropped)."""
    values = {k: v for k, v in record.items() if k in _STATUS_FIELDS}
    values.setdefault("content_summary", "")
    values.setdefault("content_length", 0)
    values.setdefault("file_path", "no-file-path")
    values.setdefault("created_at", "")
    values.setdefault("updated_at", "")
    if "error" in record and "error_msg" in _STATUS_FIELDS:
        values.setdefault("error_msg", record["error"])
    try:
        values["status"] = DocStatus(values.get("status"))
    except ValueError:
        pass
    return DocProcessingStatus(**values)


def _status_value(status: Any) -> str:
    return status.value if hasattr(status, "value") else str(status)


@dataclass
class PgragDocStatusStorage(PgragKVStorage, base_class("lightrag.base", "DocStatusStorage")):
    """doc_status: processing status of each document."""

    async def _query(self, **body: Any) -> dict[str, Any]:
        given = {key: value for key, value in body.items() if value is not None}
        return await self.client.post(self._path("query"), given)

    async def _all_matching(self, match: dict[str, Any]) -> dict[str, DocProcessingStatus]:
        """Every record containing `match`: one request per 1,000 (pgrag's page bound)."""
        found: dict[str, DocProcessingStatus] = {}
        offset = 0
        while True:
            page = await self._query(match=match, offset=offset, limit=BATCH_ITEMS)
            found.update({item["id"]: doc_status_of(item) for item in page["items"]})
            offset += len(page["items"])
            if not page["items"] or offset >= page["total"]:
                return found

    async def get_status_counts(self) -> dict[str, int]:
        return (await self._query(limit=0, count_field="status"))["counts"]

    async def get_all_status_counts(self) -> dict[str, int]:
        page = await self._query(limit=0, count_field="status")
        return {**page["counts"], "all": page["total"]}

    async def get_docs_by_status(self, status: DocStatus) -> dict[str, DocProcessingStatus]:
        return await self._all_matching({"status": _status_value(status)})

    async def get_docs_by_track_id(self, track_id: str) -> dict[str, DocProcessingStatus]:
        return await self._all_matching({"track_id": track_id})

    async def get_docs_paginated(
        self,
        status_filter: DocStatus | None = None,
        page: int = 1,
        page_size: int = 50,
        sort_field: str = "updated_at",
        sort_direction: str = "desc",
    ) -> tuple[list[tuple[str, DocProcessingStatus]], int]:
        page = max(1, int(page))
        page_size = max(1, min(int(page_size), BATCH_ITEMS))
        if sort_field not in SORT_FIELDS:
            sort_field = "updated_at"
        answer = await self._query(
            match={} if status_filter is None else {"status": _status_value(status_filter)},
            sort_field=None if sort_field == "id" else sort_field,
            descending=sort_direction.lower() == "desc",
            offset=(page - 1) * page_size,
            limit=page_size,
        )
        docs = [(item["id"], doc_status_of(item)) for item in answer["items"]]
        return docs, answer["total"]

    async def get_doc_by_file_path(self, file_path: str) -> dict[str, Any] | None:
        answer = await self._query(match={"file_path": file_path}, limit=1)
        return answer["items"][0] if answer["items"] else None
