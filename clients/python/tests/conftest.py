"""Fixtures for the adapter's suite: storages built the way LightRAG builds them, on a real pgrag
server named by PGRAG_URL, with one key per workspace in PGRAG_WORKSPACE_KEYS (see
tests/postgres/python-adapter.test.ts, which starts the server and creates the tenants)."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import os
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pgrag_lightrag import (  # noqa: E402
    PgragDocStatusStorage,
    PgragGraphStorage,
    PgragKVStorage,
    PgragVectorStorage,
)

DIMENSION = 3
# Texts with a known direction, so similarity results can be asserted exactly.
KNOWN = {"north": [1.0, 0.0, 0.0], "east": [0.0, 1.0, 0.0], "up": [0.0, 0.0, 1.0],
         "north-east": [0.7, 0.7, 0.0]}


class FakeEmbedding:
    """A deterministic embedding function, recording the batches it was called with."""

    embedding_dim = DIMENSION

    def __init__(self):
        self.calls: list[list[str]] = []

    async def __call__(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return np.array([self.vector(text) for text in texts], dtype=np.float32)

    @staticmethod
    def vector(text: str) -> list[float]:
        if text in KNOWN:
            return KNOWN[text]
        digest = hashlib.md5(text.encode()).digest()
        return [1.0 + digest[0] / 255.0, digest[1] / 255.0, digest[2] / 255.0]


def run(coroutine_function):
    """Runs an async test on a fresh event loop (no pytest-asyncio on Debian's python3)."""

    @functools.wraps(coroutine_function)
    def wrapper(*args, **kwargs):
        return asyncio.run(coroutine_function(*args, **kwargs))

    return wrapper


def config(**extra):
    return {"embedding_batch_num": 2, "vector_db_storage_cls_kwargs":
            {"cosine_better_than_threshold": 0.2}, "max_graph_nodes": 1000, **extra}


async def open_storage(cls, namespace: str, workspace: str = "alpha", embedding=None, **fields):
    storage = cls(namespace=namespace, workspace=workspace, global_config=config(),
                  embedding_func=embedding or FakeEmbedding(), **fields)
    await storage.initialize()
    return storage


@pytest.fixture(scope="session", autouse=True)
def server_is_configured():
    assert os.environ.get("PGRAG_URL"), "PGRAG_URL must point at a pgrag server"
    assert os.environ.get("PGRAG_WORKSPACE_KEYS"), "PGRAG_WORKSPACE_KEYS must hold two keys"


__all__ = ["FakeEmbedding", "PgragDocStatusStorage", "PgragGraphStorage", "PgragKVStorage",
           "PgragVectorStorage", "open_storage", "run"]
