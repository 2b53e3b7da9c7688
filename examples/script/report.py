"""Stock value per warehouse, from a plain script: no settings module, no manage.py.

schemashift finds its configuration in pyproject.toml. Run ``schemashift migrate`` first, then
``python report.py``; ``python report.py --seed`` adds some stock before reporting.
"""

from __future__ import annotations

import sys
from decimal import Decimal

import schemashift
from schemashift import transaction
from schemashift.models import F, Sum

schemashift.setup()

from inventory.models import Item, Warehouse  # noqa: E402 (the models need the setup first)


def seed() -> None:
    with transaction.atomic():
        north, _ = Warehouse.objects.get_or_create(name="North")
        south, _ = Warehouse.objects.get_or_create(name="South")
        for warehouse, sku, quantity, price in [
            (north, "BOLT-M6", 500, "0.12"),
            (north, "NUT-M6", 800, "0.05"),
            (south, "BOLT-M6", 120, "0.12"),
        ]:
            Item.objects.update_or_create(
                warehouse=warehouse,
                sku=sku,
                defaults={"quantity": quantity, "unit_price": Decimal(price)},
            )


def report() -> list[str]:
    lines = []
    totals = Warehouse.objects.annotate(value=Sum(F("items__quantity") * F("items__unit_price")))
    for warehouse in totals.order_by("name"):
        lines.append(f"{warehouse.name}: {warehouse.value or 0:.2f}")
    return lines


if __name__ == "__main__":
    if "--seed" in sys.argv[1:]:
        seed()
    print("\n".join(report()) or "No warehouses yet: run python report.py --seed")
