"""Apps that come with schemashift and keep Django's tables: contenttypes, sessions, auth."""
