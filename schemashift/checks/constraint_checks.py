"""The warnings Django gives for constraints and indexes a database cannot create
(models.W027, W036-W040, W043, W044, W047), for the databases named to ``check``.

Each is a warning, not an error: like Django, migrate skips what the database cannot do (or,
for an index condition or include columns, leaves that part out).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from schemashift.check_messages import CheckMessage, Warning
from schemashift.models.constraints import CheckConstraint, UniqueConstraint

_SKIPPED = "A constraint won't be created. Silence this warning if you don't care about it."

#: (feature the editor must have, what the constraint must not use, id, what is unsupported)
_UNIQUE_FEATURES = (
    ("supports_partial_indexes", "condition", "models.W036", "unique constraints with conditions"),
    (
        "supports_deferrable_unique_constraints",
        "deferrable",
        "models.W038",
        "deferrable unique constraints",
    ),
    (
        "supports_covering_indexes",
        "include",
        "models.W039",
        "unique constraints with non-key columns",
    ),
    (
        "supports_expression_indexes",
        "expressions",
        "models.W044",
        "unique constraints on expressions",
    ),
)

_INDEX_FEATURES = (
    (
        "supports_partial_indexes",
        "condition",
        "models.W037",
        "indexes with conditions",
        "Conditions will be ignored. Silence this warning if you don't care about it.",
    ),
    (
        "supports_covering_indexes",
        "include",
        "models.W040",
        "indexes with non-key columns",
        "Non-key columns will be ignored. Silence this warning if you don't care about it.",
    ),
    (
        "supports_expression_indexes",
        "expressions",
        "models.W043",
        "indexes on expressions",
        "An index won't be created. Silence this warning if you don't care about it.",
    ),
)


def display_name(editor: Any) -> str:
    """The database's name as Django's checks write it."""
    if editor.dialect_name == "mysql":
        return "MariaDB" if getattr(editor.dialect, "is_mariadb", False) else "MySQL"
    return {"postgresql": "PostgreSQL", "sqlite": "SQLite"}.get(
        editor.dialect_name, editor.dialect_name
    )


def check_database_support(models: Iterable[type], editor: Any) -> list[CheckMessage]:
    """What the models' constraints and indexes ask of the database ``editor`` changes that
    it cannot do, one warning per model and kind, as Django."""
    name = display_name(editor)
    messages: list[CheckMessage] = []
    for model in sorted(models, key=lambda m: m._meta.label_lower):
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        messages.extend(_index_warnings(model, editor, name))
        for constraint in meta.constraints:
            messages.extend(_constraint_warnings(model, constraint, editor, name))
    return messages


def _index_warnings(model: type, editor: Any, name: str) -> list[CheckMessage]:
    messages = []
    for feature, attribute, message_id, what, hint in _INDEX_FEATURES:
        used = any(getattr(index, attribute) for index in model._meta.indexes)
        if used and not getattr(editor, feature):
            messages.append(
                Warning(f"{name} does not support {what}.", obj=model, id=message_id, hint=hint)
            )
    return messages


def _constraint_warnings(
    model: type, constraint: Any, editor: Any, name: str
) -> list[CheckMessage]:
    if isinstance(constraint, CheckConstraint):
        if editor.supports_table_check_constraints:
            return []
        return [
            Warning(
                f"{name} does not support check constraints.",
                obj=model,
                id="models.W027",
                hint=_SKIPPED,
            )
        ]
    if not isinstance(constraint, UniqueConstraint):
        return []
    messages = []
    for feature, attribute, message_id, what in _UNIQUE_FEATURES:
        if getattr(constraint, attribute) and not getattr(editor, feature):
            messages.append(
                Warning(f"{name} does not support {what}.", obj=model, id=message_id, hint=_SKIPPED)
            )
    if (
        constraint.nulls_distinct is not None
        and not editor.supports_nulls_distinct_unique_constraints
    ):
        messages.append(
            Warning(
                f"{name} does not support unique constraints with nulls distinct.",
                obj=model,
                id="models.W047",
                hint=_SKIPPED,
            )
        )
    return messages
