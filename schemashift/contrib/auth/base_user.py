"""What any user model needs: a password hashed as Django hashes it, and the last login."""

from __future__ import annotations

from typing import Any

from schemashift import models
from schemashift.contrib.auth.hashers import check_password, is_password_usable, make_password
from schemashift.utils.translation import gettext_lazy as _


class BaseUserManager(models.Manager):
    """``normalize_email`` and ``get_by_natural_key`` (the user by its USERNAME_FIELD)."""

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        """The address with its domain part in lower case."""
        email = email or ""
        name, at, domain = email.strip().rpartition("@")
        return f"{name}@{domain.lower()}" if at else email

    def get_by_natural_key(self, username: str) -> Any:
        return self.get(**{self.model.USERNAME_FIELD: username})


class AbstractBaseUser(models.Model):
    password = models.CharField(_("password"), max_length=128)
    last_login = models.DateTimeField(_("last login"), blank=True, null=True)

    is_active = True

    REQUIRED_FIELDS: list[str] = []

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.get_username()

    def get_username(self) -> str:
        return getattr(self, self.USERNAME_FIELD)

    def natural_key(self) -> tuple[str]:
        return (self.get_username(),)

    @property
    def is_anonymous(self) -> bool:
        return False

    @property
    def is_authenticated(self) -> bool:
        return True

    def set_password(self, raw_password: str | None) -> None:
        self.password = make_password(raw_password)

    def check_password(self, raw_password: str) -> bool:
        return check_password(raw_password, self.password)

    def set_unusable_password(self) -> None:
        self.password = make_password(None)

    def has_usable_password(self) -> bool:
        return is_password_usable(self.password)

    @classmethod
    def get_email_field_name(cls) -> str:
        return getattr(cls, "EMAIL_FIELD", "email")
