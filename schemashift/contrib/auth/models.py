"""Django's auth models: ``Permission``, ``Group`` and ``User``, in Django's tables."""

from __future__ import annotations

from typing import Any

from schemashift import models
from schemashift.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from schemashift.contrib.auth.validators import UnicodeUsernameValidator
from schemashift.contrib.contenttypes.models import ContentType
from schemashift.utils import timezone
from schemashift.utils.translation import gettext_lazy as _


class PermissionManager(models.Manager):
    use_in_migrations = True

    def get_by_natural_key(self, codename: str, app_label: str, model: str) -> Permission:
        return self.get(
            codename=codename,
            content_type=ContentType.objects.get_by_natural_key(app_label, model),
        )


class Permission(models.Model):
    """Permission to do something (its ``codename``) with the rows of one model."""

    name = models.CharField(_("name"), max_length=255)
    content_type = models.ForeignKey(ContentType, models.CASCADE, verbose_name=_("content type"))
    codename = models.CharField(_("codename"), max_length=100)

    objects = PermissionManager()

    class Meta:
        verbose_name = _("permission")
        verbose_name_plural = _("permissions")
        unique_together = [["content_type", "codename"]]
        ordering = ["content_type__app_label", "content_type__model", "codename"]

    def __str__(self) -> str:
        return f"{self.content_type} | {self.name}"

    def natural_key(self) -> tuple[str, str, str]:
        return (self.codename, self.content_type.app_label, self.content_type.model)


class GroupManager(models.Manager):
    use_in_migrations = True

    def get_by_natural_key(self, name: str) -> Group:
        return self.get(name=name)


class Group(models.Model):
    """A named set of permissions; its users have them all."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    permissions = models.ManyToManyField(Permission, verbose_name=_("permissions"), blank=True)

    objects = GroupManager()

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.name,)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, username: str, email: str | None, password: str | None, **extra: Any):
        if not username:
            raise ValueError("The given username must be set")
        user = self.model(username=username, email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(
        self, username: str, email: str | None = None, password: str | None = None, **extra: Any
    ):
        """A user who is neither staff nor superuser (unless ``extra`` says so)."""
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(username, email, password, **extra)

    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra: Any
    ):
        """A staff user with every permission."""
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        if extra["is_staff"] is not True:
            raise ValueError("Superuser must have is_staff=True.")
        if extra["is_superuser"] is not True:
            raise ValueError("Superuser must have is_superuser=True.")
        return self._create_user(username, email, password, **extra)


class PermissionsMixin(models.Model):
    """The superuser flag, and the groups and permissions of a user."""

    is_superuser = models.BooleanField(
        _("superuser status"),
        default=False,
        help_text=_(
            "Designates that this user has all permissions without explicitly assigning them."
        ),
    )
    groups = models.ManyToManyField(
        Group,
        verbose_name=_("groups"),
        blank=True,
        help_text=_(
            "The groups this user belongs to. A user will get all permissions "
            "granted to each of their groups."
        ),
        related_name="user_set",
        related_query_name="user",
    )
    user_permissions = models.ManyToManyField(
        Permission,
        verbose_name=_("user permissions"),
        blank=True,
        help_text=_("Specific permissions for this user."),
        related_name="user_set",
        related_query_name="user",
    )

    class Meta:
        abstract = True

    def get_user_permissions(self) -> set[str]:
        """``"app_label.codename"`` of the permissions given to the user directly."""
        return _names(Permission.objects.filter(user=self))

    def get_group_permissions(self) -> set[str]:
        """``"app_label.codename"`` of the permissions the user has through its groups."""
        return _names(Permission.objects.filter(group__user=self))

    def get_all_permissions(self) -> set[str]:
        if not self.is_active:
            return set()
        return self.get_user_permissions() | self.get_group_permissions()

    def has_perm(self, perm: str) -> bool:
        """Whether an active user has ``"app_label.codename"`` (a superuser has them all)."""
        if self.is_active and self.is_superuser:
            return True
        return perm in self.get_all_permissions()

    def has_perms(self, perms: list[str]) -> bool:
        return all(self.has_perm(perm) for perm in perms)


def _names(permissions: Any) -> set[str]:
    rows = permissions.values_list("content_type__app_label", "codename")
    return {f"{app_label}.{codename}" for app_label, codename in rows}


class AbstractUser(AbstractBaseUser, PermissionsMixin):
    """Django's user: a unique username, names, email, staff and active flags, join date."""

    username_validator = UnicodeUsernameValidator()

    username = models.CharField(
        _("username"),
        max_length=150,
        unique=True,
        help_text=_("Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only."),
        validators=[username_validator],
        error_messages={"unique": _("A user with that username already exists.")},
    )
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    email = models.EmailField(_("email address"), blank=True)
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Designates whether the user can log into this admin site."),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_(
            "Designates whether this user should be treated as active. "
            "Unselect this instead of deleting accounts."
        ),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        abstract = True

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name


class User(AbstractUser):
    """The user model unless AUTH_USER_MODEL names another (``auth_user``)."""

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
