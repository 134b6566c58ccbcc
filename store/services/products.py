"""The product catalog: what can go on a deal's lines and a quote's tiers."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, or_, select

from store.access import require
from store.errors import Conflict
from store.models import Product
from store.schemas import ProductCreate, ProductUpdate, parse
from store.services.base import Service


class ProductService(Service):
    """Everyone who sells reads the catalog; managers (and admins) change it."""

    async def create(self, data: ProductCreate | dict[str, Any]) -> Product:
        require(self.actor, "products", "write")
        values = parse(ProductCreate, data)
        await self._unique_sku(values.sku)
        product = Product(**values.model_dump())
        self.session.add(product)
        await self.flush()
        return product

    async def get(self, product_id: uuid.UUID | str) -> Product:
        require(self.actor, "products", "read")
        return await self.load(Product, product_id, field="product_id")

    async def update(self, product_id: uuid.UUID | str, data: ProductUpdate | dict[str, Any]) -> Product:
        require(self.actor, "products", "write")
        changes = parse(ProductUpdate, data).model_dump(exclude_unset=True)
        for required in ("name", "sku", "unit_price", "currency", "billing", "active"):
            if required in changes and changes[required] is None:
                changes.pop(required)
        product = await self.load(Product, product_id, field="product_id", lock=True)
        if changes.get("sku") and changes["sku"] != product.sku:
            await self._unique_sku(changes["sku"])
        self.apply(product, changes)
        await self.flush()
        return product

    async def _unique_sku(self, sku: str) -> None:
        if await self.session.scalar(select(Product.id).where(Product.sku == sku)) is not None:
            raise Conflict("sku", f"a product with SKU {sku} exists already")

    async def search(
        self, *, q: str | None = None, active_only: bool = False, limit: int = 20, offset: int = 0
    ) -> tuple[list[Product], int]:
        """Products by part of the name or SKU, by name."""
        require(self.actor, "products", "read")
        stmt = select(Product)
        if q:
            stmt = stmt.where(or_(Product.name.ilike(f"%{q.strip()}%"), Product.sku.ilike(f"%{q.strip()}%")))
        if active_only:
            stmt = stmt.where(Product.active.is_(True))
        total = await self.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = await self.session.scalars(stmt.order_by(Product.name).limit(limit).offset(offset))
        return list(rows), int(total or 0)
