"""Sessions stored in Django's ``django_session`` table.

Add ``"schemashift.contrib.sessions"`` to INSTALLED_APPS and run ``migrate``. The rows are
Django's: a key, the encoded data and an expiry date (indexed, for clearing expired sessions).
"""
