"""LightRAG's four storage kinds on a pgrag server, one pgrag tenant per LightRAG workspace.

    from pgrag_lightrag import (PgragKVStorage, PgragVectorStorage, PgragGraphStorage,
                                PgragDocStatusStorage)
    rag = LightRAG(..., kv_storage=PgragKVStorage, ...)   # or register_with_lightrag()

The server and key come from PGRAG_URL and PGRAG_API_KEY; see ``config.py`` for per-workspace
keys. Importing this package never needs LightRAG.
"""

from .client import PgragError
from .config import PgragSettings
from .doc_status import PgragDocStatusStorage
from .graph import PgragGraphStorage
from .kv import PgragKVStorage
from .lightrag_types import KnowledgeGraph, KnowledgeGraphEdge, KnowledgeGraphNode
from .registry import register_with_lightrag
from .vector import PgragVectorStorage

__all__ = [
    "KnowledgeGraph",
    "KnowledgeGraphEdge",
    "KnowledgeGraphNode",
    "PgragDocStatusStorage",
    "PgragError",
    "PgragGraphStorage",
    "PgragKVStorage",
    "PgragSettings",
    "PgragVectorStorage",
    "register_with_lightrag",
]
