"""Errors a user can cause. The CLI catches SchemashiftError once and prints its message."""


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
