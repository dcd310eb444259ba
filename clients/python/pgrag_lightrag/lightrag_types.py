"""LightRAG's own types when LightRAG is importable, compatible stand-ins when it is not."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

try:  # pragma: no cover - depends on what is installed
    from lightrag.types import KnowledgeGraph, KnowledgeGraphEdge, KnowledgeGraphNode
except ImportError:

    @dataclass
    class KnowledgeGraphNode:  # type: ignore[no-redef]
        id: str
        labels: list[str]
        properties: dict[str, Any]

    @dataclass
    class KnowledgeGraphEdge:  # type: ignore[no-redef]
        id: str
        type: str | None
        source: str
        target: str
        properties: dict[str, Any]

    @dataclass
    class KnowledgeGraph:  # type: ignore[no-redef]
        nodes: list[KnowledgeGraphNode] = field(default_factory=list)
        edges: list[KnowledgeGraphEdge] = field(default_factory=list)
        is_truncated: bool = False


try:  # pragma: no cover
    from lightrag.base import DocProcessingStatus, DocStatus
except ImportError:
    from enum import Enum

    class DocStatus(str, Enum):  # type: ignore[no-redef]
        PENDING = "pending"
        PROCESSING = "processing"
        PREPROCESSED = "preprocessed"
        PROCESSED = "processed"
        FAILED = "failed"

    @dataclass
    class DocProcessingStatus:  # type: ignore[no-redef]
        content_summary: str
        content_length: int
        file_path: str
        status: Any
        created_at: str
        updated_at: str
        track_id: str | None = None
        chunks_count: int | None = None
        chunks_list: list[str] | None = field(default_factory=list)
        error_msg: str | None = None
        metadata: dict[str, Any] = field(default_factory=dict)


# LightRAG joins several source chunk ids (or file paths) of a node or edge with this.
GRAPH_FIELD_SEP = "<SEP>"


def api_namespace(namespace: str) -> str:
    """LightRAG's namespace as a pgrag namespace segment (lower case, letters, digits, _)."""
    cleaned = re.sub(r"[^a-z0-9_]", "_", namespace.lower())
    if not cleaned or not cleaned[0].isalpha():
        cleaned = "n" + cleaned
    return cleaned[:64]
