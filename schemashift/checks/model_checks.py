"""System checks on the installed models: what makes a model unusable for migrations."""

from __future__ import annotations

from collections.abc import Iterable

from schemashift.check_messages import CheckMessage, Error
from schemashift.exceptions import SystemCheckError
from schemashift.models.related import ReverseRelation


def check_models(models: Iterable[type]) -> list[CheckMessage]:
    """Every problem found in the given model classes, in a stable order."""
    models = list(models)
    by_label = {model._meta.label_lower: model for model in models}
    known = set(by_label)
    incoming = _incoming_relations(models, by_label)
    messages: list[CheckMessage] = []
    for model in sorted(models, key=lambda m: m._meta.label_lower):
        for field in _relation_candidates(model):
            messages.extend(field.check())
            messages.extend(_check_relation(field, known))
            messages.extend(_check_through(field, known))
            if field.is_relation and field.to in by_label:
                relation = ReverseRelation(model, field)
                messages.extend(_check_clashes(relation, by_label[field.to], incoming))
        messages.extend(_check_columns(model))
        messages.extend(_check_option_fields(model))
        messages.extend(_check_index_names(model))
    return messages


def _incoming_relations(
    models: list[type], by_label: dict[str, type]
) -> dict[str, list[ReverseRelation]]:
    """The visible reverse relations of each model, by the model's lower-case label."""
    incoming: dict[str, list[ReverseRelation]] = {}
    for model in sorted(models, key=lambda m: m._meta.label_lower):
        for field in _relation_candidates(model):
            if field.is_relation and field.to in by_label:
                relation = ReverseRelation(model, field)
                if not relation.hidden:
                    incoming.setdefault(field.to, []).append(relation)
    return incoming


def _check_clashes(
    relation: ReverseRelation, target: type, incoming: dict[str, list[ReverseRelation]]
) -> list[CheckMessage]:
    """Reverse accessor and query name clashes, with Django's ids and wording (E302-E305)."""
    field = relation.field
    rel_opts = target._meta
    rel_name = relation.accessor_name
    rel_query_name = relation.query_name
    field_name = f"{relation.model._meta.label}.{field.name}"
    messages = []
    for clash_field in _relation_candidates(target):
        clash_name = f"{rel_opts.label}.{clash_field.name}"
        hint = (
            f"Rename field '{clash_name}', or add/change a related_name argument to the "
            f"definition for field '{field_name}'."
        )
        if not relation.hidden and clash_field.name == rel_name:
            messages.append(
                Error(
                    f"Reverse accessor '{rel_opts.object_name}.{rel_name}' for '{field_name}' "
                    f"clashes with field name '{clash_name}'.",
                    field,
                    "fields.E302",
                    hint=hint,
                )
            )
        if clash_field.name == rel_query_name:
            messages.append(
                Error(
                    f"Reverse query name for '{field_name}' clashes with field name "
                    f"'{clash_name}'.",
                    field,
                    "fields.E303",
                    hint=hint,
                )
            )
    for other in incoming.get(rel_opts.label_lower, []):
        if other.field is field:
            continue
        clash_name = f"{other.model._meta.label}.{other.field.name}"
        hint = (
            f"Add or change a related_name argument to the definition for '{field_name}' or "
            f"'{clash_name}'."
        )
        if not relation.hidden and other.accessor_name == rel_name:
            messages.append(
                Error(
                    f"Reverse accessor '{rel_opts.object_name}.{rel_name}' for '{field_name}' "
                    f"clashes with reverse accessor for '{clash_name}'.",
                    field,
                    "fields.E304",
                    hint=hint,
                )
            )
        if other.accessor_name == rel_query_name:
            messages.append(
                Error(
                    f"Reverse query name for '{field_name}' clashes with reverse query name "
                    f"for '{clash_name}'.",
                    field,
                    "fields.E305",
                    hint=hint,
                )
            )
    return messages


def _check_index_names(model: type) -> list[CheckMessage]:
    """Index names portable to every backend, as Django checks them (models.E033, E034)."""
    messages = []
    for index in model._meta.indexes:
        if not index.name:
            continue
        if index.name[0] == "_" or index.name[0].isdigit():
            messages.append(
                Error(
                    f"The index name '{index.name}' cannot start with an underscore or a number.",
                    model,
                    "models.E033",
                )
            )
        if len(index.name) > index.max_name_length:
            messages.append(
                Error(
                    f"The index name '{index.name}' cannot be longer than "
                    f"{index.max_name_length} characters.",
                    model,
                    "models.E034",
                )
            )
    return messages


def _relation_candidates(model: type) -> list:
    """The model's own fields, its ManyToManyFields included."""
    return [*model._meta.local_fields, *model._meta.local_many_to_many]


def _check_through(field, known: set[str]) -> list[CheckMessage]:
    """A ManyToManyField's ``through`` model must be installed (fields.E331)."""
    through = getattr(field, "through", None)
    if not through or through.lower() in known:
        return []
    return [
        Error(
            "Field specifies a many-to-many relation through model "
            f"'{through.rpartition('.')[2]}', which has not been installed.",
            field,
            "fields.E331",
        )
    ]


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
    many = {f.name for f in meta.local_many_to_many}
    named = [("unique_together", name) for group in meta.unique_together for name in group]
    for option, items in (("indexes", meta.indexes), ("constraints", meta.constraints)):
        referenced = {n for item in items for n in item.referenced_fields()}
        if option == "constraints":
            referenced.discard("pk")  # constraints may name the primary key so (Django's E012)
        named += [(option, name) for name in sorted(referenced)]
    for option, name in named:
        if name in many:
            messages.append(
                Error(
                    f"'{option}' refers to a ManyToManyField '{name}', but ManyToManyFields "
                    f"are not permitted in '{option}'.",
                    model,
                    "models.E013",
                )
            )
        elif name not in names:
            messages.append(
                Error(f"'{option}' refers to the nonexistent field '{name}'.", model, "models.E012")
            )
    if meta.order_with_respect_to and "ordering" in meta.explicit:
        messages.append(
            Error(
                "'ordering' and 'order_with_respect_to' cannot be used together.",
                model,
                "models.E021",
            )
        )
    # ordering may name inherited fields (multi-table inheritance, proxies) too
    all_names = {f.name for f in meta.fields} | {f.attname for f in meta.fields}
    for item in meta.ordering:
        name = item.lstrip("-")
        # "pk" may order rows, but unique_together and indexes must name the field itself
        if name not in ("?", "pk") and "__" not in name and name not in all_names:
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
