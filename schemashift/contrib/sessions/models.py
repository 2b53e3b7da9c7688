"""``Session``: one row per session, as Django's database session backend stores it."""

from __future__ import annotations

from schemashift import models
from schemashift.utils import timezone


class SessionManager(models.Manager):
    def expired(self) -> models.QuerySet:
        """The sessions whose expiry date has passed (``clear_expired`` deletes these)."""
        return self.filter(expire_date__lt=timezone.now())

    def clear_expired(self) -> int:
        """Delete the expired sessions; return how many there were."""
        deleted, _per_model = self.expired().delete()
        return deleted


class Session(models.Model):
    session_key = models.CharField("session key", max_length=40, primary_key=True)
    session_data = models.TextField("session data")
    expire_date = models.DateTimeField("expire date", db_index=True)
    objects = SessionManager()

    class Meta:
        verbose_name = "session"
        verbose_name_plural = "sessions"
        db_table = "django_session"

    def __str__(self) -> str:
        return self.session_key
