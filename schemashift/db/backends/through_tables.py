"""The automatic tables of ManyToManyFields: created, dropped, renamed and repointed.

A ManyToManyField without ``through=`` owns a table the model does not declare. The editor
describes it as a model state of its own (Django's auto-created through model), so every
backend creates, drops and alters it with the code that handles any other table.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from schemashift.exceptions import SchemashiftError
from schemashift.models.many_to_many import auto_through_fields, m2m_table_name, through_pk_class

if TYPE_CHECKING:
    from schemashift.db.backends.base import BaseSchemaEditor
    from schemashift.migrations.state import ModelState, ProjectState
    from schemashift.models.fields import Field


class IncompatibleFieldChange(SchemashiftError):
    """A field cannot be altered into the other: to or from a ManyToManyField, or adding or
    removing ``through=``."""


def has_auto_through(field: Field) -> bool:
    return field.many_to_many and field.through is None


def auto_through_state(model: ModelState, field: Field) -> ModelState:
    """The automatic through table of ``field`` (declared on ``model``) as a model state."""
    fields = auto_through_fields(f"{model.app_label}.{model.name_lower}", field, through_pk_class())
    options: dict[str, Any] = {
        "db_table": m2m_table_name(model.db_table, field),
        "unique_together": ((fields[1].name, fields[2].name),),
    }
    # a ModelState without importing migrations (the editor never does): the class it came in
    return type(model)(
        model.app_label, f"{model.name}_{field.name}", [(f.name, f) for f in fields], options
    )


def auto_through_states(model: ModelState) -> list[ModelState]:
    """The automatic through tables of a model's ManyToManyFields, in field order."""
    return [auto_through_state(model, f) for f in model.fields.values() if has_auto_through(f)]


def add_many_to_many(
    editor: BaseSchemaEditor, state: ProjectState, model: ModelState, field: Field
) -> None:
    """AddField of a ManyToManyField: create its table (none with ``through=``)."""
    if has_auto_through(field):
        editor.create_model(state, auto_through_state(model, field))


def remove_many_to_many(
    editor: BaseSchemaEditor, state: ProjectState, model: ModelState, field: Field
) -> None:
    """RemoveField of a ManyToManyField: drop its table, and the pairs in it."""
    if has_auto_through(field):
        editor.delete_model(state, auto_through_state(model, field))


def alter_many_to_many(
    editor: BaseSchemaEditor,
    from_state: ProjectState,
    to_state: ProjectState,
    old_model: ModelState,
    new_model: ModelState,
    old_field: Field,
    new_field: Field,
) -> None:
    """AlterField or RenameField where either side is a ManyToManyField.

    As in Django: between two automatic tables, rename the table and repoint its columns; two
    ``through=`` models change nothing here; any other pair cannot be altered.
    """
    both_auto = has_auto_through(old_field) and has_auto_through(new_field)
    both_through = (
        old_field.many_to_many
        and new_field.many_to_many
        and not has_auto_through(old_field)
        and not has_auto_through(new_field)
    )
    if both_through:
        return
    if not both_auto:
        raise IncompatibleFieldChange(
            f"Cannot alter field {old_model.label}.{old_field.name} into "
            f"{new_model.label}.{new_field.name}: they are not compatible types (you cannot "
            "alter to or from M2M fields, or add or remove through= on M2M fields). Remove the "
            "field and add the new one in two migrations instead."
        )
    alter_auto_through(
        editor,
        from_state,
        to_state,
        auto_through_state(old_model, old_field),
        auto_through_state(new_model, new_field),
    )


def alter_auto_through(
    editor: BaseSchemaEditor,
    from_state: ProjectState,
    to_state: ProjectState,
    old: ModelState,
    new: ModelState,
    renamed_targets: dict[str, str] | None = None,
) -> None:
    """Turn one automatic through table into another: rename the table, then repoint the
    column to the target and the one to the model (Django's order).

    ``renamed_targets`` (old label -> new label) names models renamed already: a column
    pointing at one keeps its foreign key and only takes its new name.
    """
    renamed_targets = renamed_targets or {}
    if editor.model_table(old) != editor.model_table(new):
        # the old table's links name the models as before: from_state resolves them
        editor.alter_db_table(
            from_state, _with_table(old, new.db_table), old.db_table, new.db_table
        )
    old_links = [_retargeted(link, renamed_targets) for link in list(old.fields.values())[1:]]
    current = _with_links(_with_table(old, new.db_table), old_links)
    before_state = to_state if renamed_targets else from_state
    editor.repoint_through_table(before_state, to_state, current, new)


def repoint_columns(
    editor: BaseSchemaEditor,
    from_state: ProjectState,
    to_state: ProjectState,
    current: ModelState,
    new: ModelState,
) -> None:
    """Alter the column to the target, then the one to the model, where they differ."""
    old_links = list(current.fields.values())[1:]
    new_links = list(new.fields.values())[1:]
    for position in (1, 0):
        old_link, new_link = old_links[position], new_links[position]
        if link_shape(old_link) == link_shape(new_link):
            continue
        links = list(current.fields.values())[1:]
        links[position] = new_link
        after = _with_links(current, links)
        editor.alter_field(from_state, to_state, current, after, old_link, new_link)
        current = after


def _retargeted(link: Field, renamed_targets: dict[str, str]) -> Field:
    label = ".".join(link.related_model_key)
    if label not in renamed_targets:
        return link
    moved = link.clone()
    moved.to = renamed_targets[label]
    moved.set_attributes_from_name(link.name)
    return moved


def sync_auto_through_tables(
    editor: BaseSchemaEditor,
    from_state: ProjectState,
    to_state: ProjectState,
    renamed_models: dict[tuple[str, str], tuple[str, str]] | None = None,
) -> None:
    """After a model's table or name changed: alter every automatic through table whose name
    or columns follow from it. ``renamed_models`` maps keys of to_state to from_state's."""
    renamed_models = renamed_models or {}
    renamed_targets = {".".join(old): ".".join(new) for new, old in renamed_models.items()}
    for key in sorted(to_state.models):
        new_model = to_state.models[key]
        old_model = from_state.models.get(renamed_models.get(key, key))
        if old_model is None:
            continue
        for name, field in new_model.fields.items():
            old_field = old_model.fields.get(name)
            if not (has_auto_through(field) and old_field and has_auto_through(old_field)):
                continue
            old = auto_through_state(old_model, old_field)
            new = auto_through_state(new_model, field)
            if _through_shape(editor, old) != _through_shape(editor, new):
                alter_auto_through(editor, from_state, to_state, old, new, renamed_targets)


def link_shape(link: Field) -> tuple[Any, ...]:
    return (link.name, link.column, link.related_model_key, link.db_constraint)


def _through_shape(editor: BaseSchemaEditor, through: ModelState) -> tuple[Any, ...]:
    links = list(through.fields.values())[1:]
    return (editor.model_table(through), *(link_shape(link) for link in links))


def _with_table(through: ModelState, db_table: str) -> ModelState:
    clone = through.clone()
    clone.options["db_table"] = db_table
    return clone


def _with_links(through: ModelState, links: list[Field]) -> ModelState:
    """``through`` with other foreign keys (in place of its two), unique together on them."""
    pk = next(iter(through.fields.values()))
    options = {**through.options, "unique_together": ((links[0].name, links[1].name),)}
    fields = [(pk.name, pk), *((link.name, link) for link in links)]
    return replace(through, fields=dict(fields), options=options)
