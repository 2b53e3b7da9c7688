"""The database layer: engines and transactions, schema editors, introspection.

Importing this package is free; SQLAlchemy is imported by the modules inside it
(``schemashift.db.connection`` and below), which only commands that talk to a database load.
"""
