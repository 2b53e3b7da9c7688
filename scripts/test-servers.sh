#!/usr/bin/env bash
# Start the database servers the test suite needs, before pytest runs (see `make test`).
#
# The suite runs on SQLite, which needs no server, so there is nothing to start yet. The
# PostgreSQL and MariaDB servers for the backend tests will be started here.
set -euo pipefail
exit 0
