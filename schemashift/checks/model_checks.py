"""System checks on the installed models: what makes a model unusable for migrations."""

from __future__ import annotations

from collections.abc import Iterable

from schemashift.checks.messages import CheckMessage, Error
from schemashift.exceptions import SystemCheckError


def check_models(models: Iterable[type]) -> list[CheckMessage]:
    """Every problem found in the given model classes, in a stable order."""
    models = list(models)
    known = {model._meta.label_lower for model in models}
    messages: list[CheckMessage] = []
    for model in sorted(models, key=lambda m: m._meta.label_lower):
        for field in model._meta.local_fields:
            messages.extend(field.check())
            messages.extend(_check_relation(field, known))
        messages.extend(_check_columns(model))
        messages.extend(_check_option_fields(model))
    return messages


def _check_relation(field, known: set[str]) -> list[CheckMessage]:
    if not field.is_relation or field.to is None or field.to in known:
        return []
    return [
        Error(
            f"Field defines a relation with model '{field.to}', which is either not "
            "installed, or is abstract.",
            field,
            "fields.E300",
        )
    ]


def _check_columns(model: type) -> list[CheckMessage]:
    seen: dict[str, str] = {}
    messages = []
    for field in model._meta.local_fields:
        if field.column in seen:
            messages.append(
                Error(
                    f"Field '{field.name}' has column name '{field.column}' that is used by "
                    f"another field ('{seen[field.column]}').",
                    model,
                    "models.E007",
                    hint="Specify a 'db_column' for the field.",
                )
            )
        else:
            seen[field.column] = field.name
    return messages


def _check_option_fields(model: type) -> list[CheckMessage]:
    meta = model._meta
    names = {f.name for f in meta.local_fields} | {f.attname for f in meta.local_fields}
    messages = []
    for group in meta.unique_together:
        for name in group:
            if name not in names:
                messages.append(
                    Error(
                        f"'unique_together' refers to the nonexistent field '{name}'.",
                        model,
                        "models.E012",
                    )
                )
    for index in meta.indexes:
        for name, _order in index.fields_orders:
            if name not in names:
                messages.append(
                    Error(
                        f"'indexes' refers to the nonexistent field '{name}'.",
                        model,
                        "models.E012",
                    )
                )
    for item in meta.ordering:
        name = item.lstrip("-")
        # "pk" may order rows, but unique_together and indexes must name the field itself
        if name not in ("?", "pk") and "__" not in name and name not in names:
            messages.append(
                Error(
                    f"'ordering' refers to the nonexistent field, related field, or lookup "
                    f"'{name}'.",
                    model,
                    "models.E015",
                )
            )
    return messages


def format_report(messages: list[CheckMessage]) -> str:
    """The report Django prints: errors then warnings, and a count."""
    lines: list[str] = []
    for title, is_error in (("ERRORS:", True), ("WARNINGS:", False)):
        group = [m for m in messages if m.is_error == is_error]
        if group:
            lines.append(title)
            lines.extend(str(m) for m in group)
            lines.append("")
    count = len(messages)
    noun = "issue" if count == 1 else "issues"
    lines.append(f"System check identified {count or 'no'} {noun} (0 silenced).")
    return "\n".join(lines)


def run_checks(models: Iterable[type]) -> list[CheckMessage]:
    """Check the models; raise SystemCheckError carrying the report if any error is found."""
    messages = check_models(models)
    if any(m.is_error for m in messages):
        raise SystemCheckError("System check identified some issues:\n\n" + format_report(messages))
    return messages
