"""The order of py_handler/schema.json as a pydantic v2 model: what a team validating with
Powertools' parser would write (the conventional handler and the decode task use it)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"  # pydantic's EmailStr would need email-validator


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")  # additionalProperties: false


class Customer(Strict):
    id: str
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    email: Annotated[str, Field(pattern=EMAIL)] | None = None


class Line(Strict):
    sku: Annotated[str, Field(pattern=r"^[A-Z0-9-]{1,32}$")]
    qty: Annotated[int, Field(ge=1, le=10000)]
    price: Annotated[Decimal, Field(ge=0, multiple_of=Decimal("0.01"))]


class Address(Strict):
    street: str
    city: str
    postal_code: str
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]


class Order(Strict):
    id: str | None = None
    customer: Customer
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    lines: Annotated[list[Line], Field(min_length=1, max_length=100)]
    address: Address | None = None
    notes: Annotated[str, Field(max_length=2000)] | None = None
