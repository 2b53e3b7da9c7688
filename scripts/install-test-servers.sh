#!/usr/bin/env bash
# Install what the test suite needs to start its throwaway database servers, and Graphviz.
#
# PostgreSQL (initdb, pg_ctl, postgres) is expected on PATH. MariaDB comes from Debian's
# mariadb-server package, installed here when missing and when this runs as root with apt-get.
# The servers themselves are started and stopped by the test suite (tests/support/servers.py).
# Graphviz's dot draws the SVG of `schemashift graph --format svg`; the tests that run it are
# skipped without it, except under CI=true, where they fail.
set -euo pipefail

have_mariadb() {
    command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || command -v mysqld >/dev/null 2>&1
}

if ! have_mariadb; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "Installing mariadb-server for the MySQL/MariaDB tests..."
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends mariadb-server mariadb-client >/dev/null
    else
        echo "mariadb-server is not installed (needs root and apt-get): the MySQL tests will be skipped" >&2
    fi
fi

if ! command -v initdb >/dev/null 2>&1; then
    echo "initdb is not on PATH: the PostgreSQL tests will be skipped" >&2
fi

if ! command -v dot >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "Installing graphviz for the tests of graph --format dot/svg..."
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends graphviz >/dev/null
    else
        echo "graphviz is not installed (needs root and apt-get): the Graphviz tests will be skipped" >&2
    fi
fi
