"""The database-access runtime: compiling QuerySets to SQLAlchemy Core, running them, saving,
deleting and prefetching model instances."""
