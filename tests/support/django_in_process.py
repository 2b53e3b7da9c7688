"""Django configured inside the test process, once, for tests that use it as an oracle.

Every in-process user goes through ``ready_django()`` so that whichever test runs first leaves
Django both configured and set up (its app registry ready) for the others on the same worker.
"""

from __future__ import annotations

from types import ModuleType

import pytest


def ready_django() -> ModuleType:
    """Django, configured with no installed apps and set up; skips when Django is missing."""
    django = pytest.importorskip("django")
    from django.apps import apps
    from django.conf import settings

    if not settings.configured:
        settings.configure(INSTALLED_APPS=[], USE_TZ=True)
    if not apps.ready:
        django.setup()
    return django
