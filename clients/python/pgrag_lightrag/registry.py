"""Makes the classes known to LightRAG's storage registry, which resolves storages by name.

LightRAG takes storage names (``kv_storage="PgragKVStorage"``), looks each up in
``lightrag.kg.STORAGES`` (name -> module) and checks it against the list of implementations of
its kind in ``lightrag.kg.STORAGE_IMPLEMENTATIONS`` and the environment variables named in
``lightrag.kg.STORAGE_ENV_REQUIREMENTS``. This adds the four classes to all three.
"""

from __future__ import annotations

KINDS = {
    "PgragKVStorage": "KV_STORAGE",
    "PgragVectorStorage": "VECTOR_STORAGE",
    "PgragGraphStorage": "GRAPH_STORAGE",
    "PgragDocStatusStorage": "DOC_STATUS_STORAGE",
}


def register_with_lightrag() -> None:
    """Registers the classes; raises ImportError when LightRAG is not installed."""
    from lightrag import kg  # noqa: PLC0415 - LightRAG is optional for the package

    for name, kind in KINDS.items():
        kg.STORAGES[name] = "pgrag_lightrag"
        implementations = kg.STORAGE_IMPLEMENTATIONS[kind]["implementations"]
        if name not in implementations:
            implementations.append(name)
        kg.STORAGE_ENV_REQUIREMENTS[name] = ["PGRAG_URL"]
