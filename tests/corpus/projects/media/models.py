from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class Rating(models.IntegerChoices):
    BAD = 1, "Bad"
    OK = 3, "OK"
    GOOD = 5, "Good"


def upload_path(instance, filename):
    return f"uploads/{filename}"


class LowerCaseEmailField(models.EmailField):
    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return value.lower() if isinstance(value, str) else value


class Asset(models.Model):
    title = models.CharField(max_length=250, db_comment="Shown in listings and feeds")
    slug = models.SlugField(unique=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    rating = models.PositiveSmallIntegerField(choices=Rating, null=True, blank=True)
    kind = models.CharField(max_length=5, choices={"img": "Image", "vid": "Video"}, default="img")
    file = models.FileField(upload_to=upload_path)
    thumbnail = models.FileField(upload_to="thumbs/%Y/", blank=True, max_length=200)
    uploader_ip = models.GenericIPAddressField(null=True, blank=True)
    owner_email = LowerCaseEmailField(blank=True)
    created = models.DateTimeField(db_default=Now())
    views = models.IntegerField(db_default=0)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    area = models.GeneratedField(
        expression=models.F("width") * models.F("height"),
        output_field=models.BigIntegerField(),
        db_persist=True,
    )

    class Meta:
        db_table_comment = "Uploaded media"
