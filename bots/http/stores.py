"""Litestar's stores (rate limits, sessions) kept in PostgreSQL, so that several `nexa serve` processes share them."""

from __future__ import annotations

from datetime import timedelta

from litestar.stores.base import NamespacedStore
from litestar.stores.registry import StoreRegistry

from store import kv
from store.db import Database


def _seconds(value: int | timedelta | None) -> float | None:
    return value.total_seconds() if isinstance(value, timedelta) else value


class PostgresStore(NamespacedStore):
    """A Litestar store over `store.kv`: one namespace per named store."""

    def __init__(self, db: Database, namespace: str = "default") -> None:
        self.db = db
        self.namespace = namespace

    def with_namespace(self, namespace: str) -> PostgresStore:
        return PostgresStore(self.db, f"{self.namespace}_{namespace}")

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None:
        data = value.encode() if isinstance(value, str) else value
        await kv.put(self.db, self.namespace, key, data, ttl=_seconds(expires_in))

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        return await kv.take(self.db, self.namespace, key, renew=_seconds(renew_for))

    async def delete(self, key: str) -> None:
        await kv.remove(self.db, self.namespace, key)

    async def delete_all(self) -> None:
        await kv.remove(self.db, self.namespace)

    async def exists(self, key: str) -> bool:
        return await self.get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        return await kv.remaining(self.db, self.namespace, key)


def postgres_stores(db: Database) -> StoreRegistry:
    """Every named store (`rate_limit`, `api_token`, `sessions`, ...) is a namespace of one PostgreSQL table."""
    return StoreRegistry(default_factory=lambda name: PostgresStore(db, name))
