from django.conf import settings
from django.db import models


class EntryQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Entry.Status.PUBLISHED)


class EntryManager(models.Manager.from_queryset(EntryQuerySet)):
    use_in_migrations = True


class Entry(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="entries"
    )
    title = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    headline = models.CharField(max_length=120, blank=True)
    words = models.PositiveIntegerField(default=0)
    editors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="edited_entries", blank=True
    )

    objects = EntryManager()

    class Meta:
        indexes = [models.Index(fields=["status", "slug"], name="entry_status_slug_idx")]
        permissions = [("publish_entry", "Can publish entries")]
        verbose_name_plural = "entries"

    def __str__(self):
        return self.title
