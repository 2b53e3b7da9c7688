from django.db import migrations
from django.utils.text import slugify


def fill_slugs(apps, schema_editor):
    Author = apps.get_model("library", "Author")
    for author in Author.objects.filter(slug=""):
        author.slug = slugify(author.name)
        author.save(update_fields=["slug"])


class Migration(migrations.Migration):
    dependencies = [("library", "0002_author_slug")]

    operations = [migrations.RunPython(fill_slugs, migrations.RunPython.noop)]
