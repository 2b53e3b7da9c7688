"""Content types: one row per installed model, in Django's ``django_content_type`` table.

Add ``"schemashift.contrib.contenttypes"`` to INSTALLED_APPS and run ``migrate``; the table and
its migrations are Django's, so a database Django's contenttypes app made can be adopted.
"""
