"""What all four storages share: LightRAG's dataclass fields, settings, the HTTP client."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .client import PgragClient
from .config import PgragSettings
from .lightrag_types import api_namespace


@dataclass
class PgragStorage:
    """Mixed into each storage; LightRAG constructs storages with these keyword fields.

    LightRAG's own base classes declare the same fields when it is installed; these defaults
    let the classes be built by hand (as the tests do) without it.
    """

    namespace: str = ""
    workspace: str = ""
    global_config: dict[str, Any] = field(default_factory=dict)
    embedding_func: Any = None

    async def initialize(self) -> None:
        settings = PgragSettings.load(self.global_config)
        self._client = PgragClient(settings, self.workspace)
        self._ns = api_namespace(self.namespace)
        await self._client.open()

    async def finalize(self) -> None:
        client = getattr(self, "_client", None)
        if client is not None:
            await client.close()

    @property
    def client(self) -> PgragClient:
        client = getattr(self, "_client", None)
        if client is None:
            raise RuntimeError(f"{type(self).__name__}: call `await initialize()` first")
        return client

    async def index_done_callback(self) -> None:
        """Nothing to flush: every write is committed by the request that made it."""

    @staticmethod
    def dropped(deleted: int) -> dict[str, str]:
        return {"status": "success", "message": f"data dropped ({deleted} rows)"}


def base_class(module: str, name: str) -> type:
    """LightRAG's abstract base when LightRAG is importable, else ``object``."""
    try:  # pragma: no cover - depends on what is installed
        imported = __import__(module, fromlist=[name])
        return getattr(imported, name)
    except ImportError:
        return object
