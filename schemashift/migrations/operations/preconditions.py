"""What operations check before they change a state: the fields and models they expect."""

from __future__ import annotations

from typing import TYPE_CHECKING

from schemashift.models.fields import Field, resolve_relation

if TYPE_CHECKING:
    from schemashift.migrations.state import ModelState, ProjectState


class MissingFieldError(LookupError):
    """The model state has no field of the name an operation acts on."""


def existing_field(model: ModelState, name: str) -> Field:
    """The model state's field ``name``; LookupError naming model and field when it has none."""
    try:
        return model.fields[name]
    except KeyError:
        raise MissingFieldError(f"Model {model.label} has no field named '{name}'") from None


def check_new_field(model: ModelState, name: str) -> None:
    """LookupError when the model state already has a field ``name``."""
    if name in model.fields:
        raise LookupError(f"Model {model.label} already has a field named '{name}'")


def check_relation_target(state: ProjectState, model: ModelState, name: str, field: Field) -> None:
    """LookupError when a relation points at a model of its own app the state does not have.

    Only the model's own app is checked: its migrations come in one order, so the target must
    exist by now. Another app's migrations may run before or after this one (only declared
    dependencies order them), so a target there can be renamed in one order and not in another.
    """
    if not field.is_relation or not field.to:
        return
    target = resolve_relation(field.to, model.app_label, model.name)
    target_app, _, target_name = target.partition(".")
    if target_app != model.app_label or target_name == model.key[1]:
        return
    if not state.has_model(target_app, target_name):
        raise LookupError(
            f"Field {model.label}.{name} points at model '{target}', which no migration it "
            "depends on creates"
        )
