"""Where a storage finds its pgrag server and which key (so which tenant) a workspace uses."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass(frozen=True)
class PgragSettings:
    """Server URL, default key, and a key per workspace (a key decides the tenant).

    Read, later ones winning, from the environment (PGRAG_URL, PGRAG_API_KEY,
    PGRAG_WORKSPACE_KEYS as a JSON object workspace -> key) and from LightRAG's
    ``global_config["pgrag"]`` (``url``, ``api_key``, ``workspace_keys``, ``max_attempts``,
    ``timeout_seconds``).
    """

    url: str
    api_key: str | None = None
    workspace_keys: Mapping[str, str] = field(default_factory=dict)
    max_attempts: int = 5
    timeout_seconds: float = 60.0

    @classmethod
    def load(cls, global_config: Mapping[str, Any] | None) -> "PgragSettings":
        given = dict((global_config or {}).get("pgrag") or {})
        env_keys = os.environ.get("PGRAG_WORKSPACE_KEYS")
        workspace_keys = dict(json.loads(env_keys)) if env_keys else {}
        workspace_keys.update(given.get("workspace_keys") or {})
        url = given.get("url") or os.environ.get("PGRAG_URL") or "http://localhost:8000/rag/v1"
        return cls(
            url=url.rstrip("/"),
            api_key=given.get("api_key") or os.environ.get("PGRAG_API_KEY"),
            workspace_keys=workspace_keys,
            max_attempts=int(given.get("max_attempts", 5)),
            timeout_seconds=float(given.get("timeout_seconds", 60.0)),
        )

    def key_for(self, workspace: str | None) -> str:
        key = self.workspace_keys.get(workspace or "") or self.api_key
        if not key:
            raise ValueError(
                f"no pgrag API key for workspace {workspace!r}: set PGRAG_API_KEY or "
                "PGRAG_WORKSPACE_KEYS"
            )
        return key
