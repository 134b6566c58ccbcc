"""Orders generated from won deals."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base, Entity, IdMixin, enum_column, fk, money
from store.models.enums import OrderStatus, RecordType

order_number_seq = sa.Sequence("order_number_seq", start=5001, metadata=Base.metadata)


class Order(Entity):
    """What a won deal turned into; one order per deal."""

    __tablename__ = "orders"
    record_type: ClassVar[str] = RecordType.order
    __table_args__ = (sa.CheckConstraint("amount >= 0", name="amount_nonneg"),)

    order_number: Mapped[str] = mapped_column(
        sa.String(20),
        unique=True,
        server_default=sa.text("'ORD-' || lpad(nextval('order_number_seq')::text, 6, '0')"),
    )
    deal_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("deals.id", ondelete="SET NULL"), unique=True)
    account_id: Mapped[uuid.UUID | None] = fk("accounts.id")
    amount: Mapped[Decimal] = money()
    currency: Mapped[str] = mapped_column(sa.String(3), default="USD", server_default="USD")
    status: Mapped[OrderStatus] = enum_column(OrderStatus, default=OrderStatus.pending)


class OrderLine(IdMixin, Base):
    """A product line of an order, copied from the deal's line items."""

    __tablename__ = "order_lines"
    __table_args__ = (sa.CheckConstraint("quantity > 0", name="quantity_positive"),)

    order_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("products.id", ondelete="RESTRICT"))
    quantity: Mapped[int]
    unit_price: Mapped[Decimal] = money()
    total: Mapped[Decimal] = money()
