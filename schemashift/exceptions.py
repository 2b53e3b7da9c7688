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


class SerializationError(MigrationError):
    """A value in a model definition cannot be written into a migration file."""


class MissingDefault(SchemashiftError):
    """A NOT NULL field was added without a default and no answer can be asked for."""

    exit_code = 3


class DatabaseError(SchemashiftError):
    """The database refused a statement; the message names the migration and operation."""


class FieldError(SchemashiftError):
    """A query names a field, relation or lookup the model does not have."""


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
