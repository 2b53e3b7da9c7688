"""Errors a user can cause. The CLI catches SchemashiftError once and prints its message."""

from __future__ import annotations

from typing import Any


class SchemashiftError(Exception):
    """Base class of every error caused by user input: settings, models, migrations."""

    exit_code = 1


class ImproperlyConfigured(SchemashiftError):
    """The settings are missing or wrong."""


class AppNotFound(SchemashiftError):
    """An app label named by the user is not installed."""


class ModelDefinitionError(SchemashiftError):
    """A model class cannot be built as written."""


class SystemCheckError(SchemashiftError):
    """System checks found errors that block the command."""


class MigrationError(SchemashiftError):
    """Base class of errors about migration files and history."""


class BadMigrationError(MigrationError):
    """A migration file cannot be imported or has no Migration class."""


class NodeNotFoundError(MigrationError):
    """A migration, or a migration's dependency, does not exist."""


class AmbiguityError(MigrationError):
    """A migration name prefix matches more than one migration."""


class CircularDependencyError(MigrationError):
    """Migrations depend on each other in a cycle."""


class InconsistentMigrationHistory(MigrationError):
    """A migration is recorded as applied while one of its dependencies is not."""


class ConflictingMigrations(MigrationError):
    """An app has more than one leaf migration."""


class HistoryTableError(MigrationError):
    """The history table exists but is not shaped like one (made by hand or by another tool)."""


class IrreversibleError(MigrationError):
    """A migration cannot be unapplied because one of its operations has no reverse."""


class InvalidMigrationPlan(MigrationError):
    """A requested plan cannot be carried out."""


class DataLossRefused(MigrationError):
    """A migration would destroy stored values it does not acknowledge, or values a narrower
    column cannot hold: nothing was run."""


class SerializationError(MigrationError):
    """A value in a model definition cannot be written into a migration file."""


class MissingDefault(SchemashiftError):
    """A NOT NULL field was added without a default and no answer can be asked for."""

    exit_code = 3


class DatabaseError(SchemashiftError):
    """The database refused a statement; the message names the migration and operation."""


class FieldError(SchemashiftError):
    """A query names a field, relation or lookup the model does not have."""


class CommandError(SchemashiftError):
    """A command cannot go on; the message says why (``core.management.base.CommandError``)."""


class FieldDoesNotExist(LookupError):
    """A model has no field of the name asked for (``Model._meta.get_field``)."""


# The errors of single rows and on_delete derive from Exception, not SchemashiftError, as
# their Django counterparts do: code catching them keeps working unchanged.


class ObjectDoesNotExist(Exception):
    """No row matched a query that expects exactly one."""


class MultipleObjectsReturned(Exception):
    """More than one row matched a query that expects exactly one."""


class ProtectedError(Exception):
    """A row cannot be deleted: rows pointing at it use on_delete=PROTECT."""

    def __init__(self, msg: str, protected_objects: Any) -> None:
        self.protected_objects = protected_objects
        super().__init__(msg, protected_objects)


class RestrictedError(Exception):
    """A row cannot be deleted: rows pointing at it use on_delete=RESTRICT and are not being
    deleted through a CASCADE as well."""

    def __init__(self, msg: str, restricted_objects: Any) -> None:
        self.restricted_objects = restricted_objects
        super().__init__(msg, restricted_objects)


class DjangoHistoryFound(MigrationError):
    """The database was migrated by Django and schemashift's history does not say so yet."""


class DjangoHistoryMismatch(MigrationError):
    """The tables differ from what the migrations Django recorded imply: nothing is adopted."""


class FakeInitialMismatch(MigrationError):
    """``--fake-initial`` found only some of an initial migration's tables or columns."""


#: the key of ValidationError.error_dict for errors that belong to no one field
NON_FIELD_ERRORS = "__all__"


class ValidationError(Exception):
    """A value failed validation, as Django's: one message (with ``code`` and ``params``), a
    list of errors (``error_list``) or errors per field (``error_dict``).
    """

    def __init__(self, message: Any, code: str | None = None, params: Any = None) -> None:
        super().__init__(message, code, params)
        if isinstance(message, ValidationError):
            if hasattr(message, "error_dict"):
                message = message.error_dict
            elif hasattr(message, "message"):
                code, params, message = message.code, message.params, message.message
            else:
                message = message.error_list
        if isinstance(message, dict):
            self.error_dict = {
                field: ValidationError(messages).error_list for field, messages in message.items()
            }
        elif isinstance(message, list):
            self.error_list: list[ValidationError] = []
            for item in message:
                error = item if isinstance(item, ValidationError) else ValidationError(item)
                if hasattr(error, "error_dict"):
                    self.error_list.extend(sum(error.error_dict.values(), []))
                else:
                    self.error_list.extend(error.error_list)
        else:
            self.message = message
            self.code = code
            self.params = params
            self.error_list = [self]

    @property
    def message_dict(self) -> dict[str, list[str]]:
        """The messages per field (only for an error built from a dict)."""
        return {field: list(ValidationError(errors)) for field, errors in self.error_dict.items()}

    @property
    def messages(self) -> list[str]:
        """Every message, with its params filled in."""
        if hasattr(self, "error_dict"):
            return sum(self.message_dict.values(), [])
        return list(self)

    def __iter__(self) -> Any:
        if hasattr(self, "error_dict"):
            for field, errors in self.error_dict.items():
                yield field, list(ValidationError(errors))
            return
        for error in self.error_list:
            message = error.message
            if error.params:
                # ``%`` before ``str``: a lazy plural message picks its form from the params
                message = message % error.params
            yield str(message)

    def __str__(self) -> str:
        if hasattr(self, "error_dict"):
            return repr(dict(self))
        return repr(list(self))

    def __repr__(self) -> str:
        return f"ValidationError({self})"


class OnlineFormsNeeded(Exception):
    """Raised by a schema editor inside a migration's one transaction when a statement on a
    table holding rows has online forms that need transactions of their own: the executor
    rolls the migration back and runs it step by step. Never reaches a user."""
