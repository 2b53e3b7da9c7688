from django.db import migrations


def add_tags(apps, schema_editor):
    Tag = apps.get_model("tagging", "Tag")
    Article = apps.get_model("tagging", "Article")
    news = Tag.objects.create(name="news")
    for article in Article.objects.all():
        article.tags.add(news)


class Migration(migrations.Migration):
    dependencies = [("tagging", "0001_initial")]

    operations = [migrations.RunPython(add_tags, migrations.RunPython.noop)]
