"""One schema editor per backend; ``schemashift.db.connection.schema_editor`` picks one."""
