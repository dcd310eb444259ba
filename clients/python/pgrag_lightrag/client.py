"""One aiohttp session per storage, retries on 429/503 honouring Retry-After, errors raised."""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any
from urllib.parse import quote

import aiohttp

from .config import PgragSettings

RETRYABLE_STATUSES = {429, 503}
# A Retry-After beyond this is not waited for: the caller hears about it instead.
MAX_RETRY_AFTER_SECONDS = 30.0


class PgragError(RuntimeError):
    """A pgrag request that failed: its status and the problem details the server sent."""

    def __init__(self, method: str, path: str, status: int, problem: Any):
        self.status = status
        self.problem = problem
        detail = problem.get("detail") if isinstance(problem, dict) else problem
        super().__init__(f"{method} {path}: {status} {detail}")


class PgragClient:
    def __init__(self, settings: PgragSettings, workspace: str | None):
        self._settings = settings
        self._key = settings.key_for(workspace)
        self._session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self._settings.timeout_seconds),
                headers={"X-API-Key": self._key, "Accept": "application/json"},
            )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def post(self, path: str, body: Any = None) -> Any:
        return await self.request("POST", path, body=body)

    async def get(self, path: str, query: dict[str, Any] | None = None) -> Any:
        return await self.request("GET", path, query=query)

    async def request(
        self, method: str, path: str, body: Any = None, query: dict[str, Any] | None = None
    ) -> Any:
        await self.open()
        assert self._session is not None
        url = self._settings.url + path
        data = None if body is None else json.dumps(body, ensure_ascii=False)
        headers = {} if data is None else {"Content-Type": "application/json"}
        params = {k: str(v) for k, v in (query or {}).items() if v is not None}
        attempts = max(1, self._settings.max_attempts)
        for attempt in range(1, attempts + 1):
            try:
                async with self._session.request(
                    method, url, data=data, headers=headers, params=params
                ) as response:
                    text = await response.text()
                    if response.status < 300:
                        return json.loads(text) if text else None
                    problem = _parse(text)
                    if response.status not in RETRYABLE_STATUSES or attempt == attempts:
                        raise PgragError(method, path, response.status, problem)
                    wait = _retry_after(response.headers.get("Retry-After"), attempt)
                    if wait is None:
                        raise PgragError(method, path, response.status, problem)
            except (aiohttp.ClientConnectionError, asyncio.TimeoutError):
                if attempt == attempts:
                    raise
                wait = _backoff(attempt)
            await asyncio.sleep(wait)
        raise AssertionError("unreachable")


def segment(value: str) -> str:
    """A path segment holding any id, slashes and all."""
    return quote(value, safe="")


def _parse(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _backoff(attempt: int) -> float:
    return min(8.0, 0.1 * 2**attempt) * (0.5 + random.random() / 2)


def _retry_after(header: str | None, attempt: int) -> float | None:
    """Seconds to wait: the server's Retry-After when it sent one, else exponential backoff."""
    if header is None:
        return _backoff(attempt)
    try:
        seconds = float(header)
    except ValueError:
        return _backoff(attempt)
    return seconds if seconds <= MAX_RETRY_AFTER_SECONDS else None
