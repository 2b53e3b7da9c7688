"""The service for a WSGI server: ``flask --app wsgi run``."""

import schemashift

schemashift.setup()

from polls_service.app import create_app  # noqa: E402 (the models need the setup first)

app = create_app()
