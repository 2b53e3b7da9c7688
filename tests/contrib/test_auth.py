"""schemashift.contrib.auth: users, groups and permissions on every backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.api_project import ApiProject, api_project_at

from schemashift import api

INSTALLED = (
    "schemashift.contrib.contenttypes.apps.ContentTypesConfig",
    "schemashift.contrib.auth.apps.AuthConfig",
)


@pytest.fixture
def project(
    tmp_path: Path, backend_url: str, clean_env: pytest.MonkeyPatch
) -> Iterator[ApiProject]:
    with api_project_at(tmp_path / "p", backend_url, (), clean_env, installed=INSTALLED) as project:
        project.load()
        api.migrate()
        yield project


def test_the_models_need_no_new_migration(project: ApiProject) -> None:
    assert api.makemigrations("auth", "contenttypes", check=True) == []


def test_users_passwords_groups_and_permissions(project: ApiProject) -> None:
    from schemashift.contrib.auth import get_user_model
    from schemashift.contrib.auth.models import Group, Permission, User
    from schemashift.contrib.contenttypes.models import ContentType

    assert get_user_model() is User
    ada = User.objects.create_user("ada", "Ada@EXAMPLE.com", "s3cret", first_name="Ada")
    root = User.objects.create_superuser("root", password="toor")
    assert ada.email == "Ada@example.com" and ada.get_full_name() == "Ada"
    assert ada.check_password("s3cret") and not ada.check_password("wrong")
    assert (ada.is_staff, ada.is_superuser, root.is_staff, root.is_superuser) == (
        False,
        False,
        True,
        True,
    )
    assert User.objects.get_by_natural_key("ada").pk == ada.pk

    user_type = ContentType.objects.get_for_model(User)
    # migrate made the permissions of every model (post_migrate), as Django's does
    change = Permission.objects.get(content_type=user_type, codename="change_user")
    view = Permission.objects.get(content_type=user_type, codename="view_user")
    assert (change.name, view.name) == ("Can change user", "Can view user")
    editors = Group.objects.create(name="editors")
    editors.permissions.add(change)
    ada.groups.add(editors)
    ada.user_permissions.add(view)

    assert ada.get_all_permissions() == {"auth.change_user", "auth.view_user"}
    assert ada.has_perm("auth.change_user") and not ada.has_perm("auth.delete_user")
    assert root.has_perm("auth.delete_user")
    assert [user.username for user in editors.user_set.all()] == ["ada"]
    assert list(User.objects.filter(groups__name="editors").values_list("username", flat=True)) == [
        "ada"
    ]
    assert Permission.objects.get_by_natural_key("view_user", "auth", "user").pk == view.pk

    ada.groups.clear()
    assert ada.get_group_permissions() == set()
    editors.delete()
    # deleting the group keeps the permissions: add/change/delete/view of four models
    assert Permission.objects.count() == 4 * 4


def test_usernames_are_validated_as_djangos(project: ApiProject) -> None:
    from schemashift.contrib.auth.models import User
    from schemashift.core.exceptions import ValidationError

    (validator,) = User._meta.get_field("username").validators
    validator("ok.user+1@x")
    validator("Zoë")
    with pytest.raises(ValidationError):
        validator("no spaces allowed")


SHELF_MODELS = """
from schemashift import models


class Book(models.Model):
    title = models.CharField(max_length=50)
    readers = models.ManyToManyField("self", blank=True)

    class Meta:
        permissions = [("lend_book", "Can lend a book")]


class Classic(Book):
    class Meta:
        proxy = True


class Shelf(models.Model):
    books = models.ManyToManyField(Book)

    class Meta:
        default_permissions = ("view",)
"""


def test_migrate_makes_the_permissions_of_every_model_of_an_app(
    tmp_path: Path, backend_url: str, clean_env: pytest.MonkeyPatch
) -> None:
    with api_project_at(
        tmp_path / "p", backend_url, ("shelf",), clean_env, installed=INSTALLED
    ) as project:
        project.load({"shelf": SHELF_MODELS})
        api.makemigrations("shelf")
        api.migrate()
        from schemashift.contrib.auth.models import Permission

        def shelf_permissions() -> set[tuple[str, str, str]]:
            found = Permission.objects.filter(content_type__app_label="shelf")
            return set(found.values_list("content_type__model", "codename", "name"))

        # as Django: the proxy has its own content type and permissions, the automatic
        # many-to-many tables none, Meta.permissions come after the default ones
        assert shelf_permissions() == {
            ("book", "add_book", "Can add book"),
            ("book", "change_book", "Can change book"),
            ("book", "delete_book", "Can delete book"),
            ("book", "view_book", "Can view book"),
            ("book", "lend_book", "Can lend a book"),
            ("classic", "add_classic", "Can add classic"),
            ("classic", "change_classic", "Can change classic"),
            ("classic", "delete_classic", "Can delete classic"),
            ("classic", "view_classic", "Can view classic"),
            ("shelf", "view_shelf", "Can view shelf"),
        }

        Permission.objects.filter(codename="lend_book").delete()
        api.migrate()  # nothing to apply; the missing permission is made again
        assert len(shelf_permissions()) == 10

        api.migrate("auth", "zero")  # no permission table: nothing to make, no error
        api.migrate("shelf", "zero")
        api.migrate()
        assert len(shelf_permissions()) == 10


RENAME_MIGRATION = """\
from schemashift import migrations


class Migration(migrations.Migration):
    dependencies = [("shelf", "0001_initial")]
    operations = [migrations.RenameModel("Book", "Volume")]
"""


def test_renaming_a_model_renames_its_content_type_and_keeps_its_permissions(
    tmp_path: Path, backend_url: str, clean_env: pytest.MonkeyPatch
) -> None:
    with api_project_at(
        tmp_path / "p", backend_url, ("shelf",), clean_env, installed=INSTALLED
    ) as project:
        project.load(
            {
                "shelf": "from schemashift import models\n\n\n"
                "class Book(models.Model):\n    title = models.CharField(max_length=9)\n"
            }
        )
        api.makemigrations("shelf")
        api.migrate()
        from schemashift.contrib.auth.models import Permission
        from schemashift.contrib.contenttypes.models import ContentType

        book_type = ContentType.objects.get(app_label="shelf", model="book")
        project.write_migration("shelf", "0002_rename", RENAME_MIGRATION)
        project.load(
            {
                "shelf": "from schemashift import models\n\n\n"
                "class Volume(models.Model):\n    title = models.CharField(max_length=9)\n"
            }
        )
        api.migrate()
        from schemashift.contrib.auth.models import Permission  # noqa: F811 - loaded anew
        from schemashift.contrib.contenttypes.models import ContentType  # noqa: F811

        (renamed,) = ContentType.objects.filter(app_label="shelf")
        assert (renamed.pk, renamed.model) == (book_type.pk, "volume")
        codenames = set(
            Permission.objects.filter(content_type=renamed).values_list("codename", flat=True)
        )
        # the old permissions stay with the content type (granted ones keep working), and
        # the new model's are added, as Django does
        assert {"add_book", "view_book", "add_volume", "view_volume"} <= codenames

        api.migrate("shelf", "0001")
        (back,) = ContentType.objects.filter(app_label="shelf")
        assert (back.pk, back.model) == (book_type.pk, "book")
