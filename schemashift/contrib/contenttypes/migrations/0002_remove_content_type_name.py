from schemashift import migrations, models


def add_legacy_name(apps, schema_editor):
    """Going back to 0001: fill the restored ``name`` column from the models' class names."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for content_type in ContentType.objects.all():
        try:
            content_type.name = apps.get_model(
                content_type.app_label, content_type.model
            )._meta.object_name
        except LookupError:
            content_type.name = content_type.model
        content_type.save()


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="contenttype",
            options={"verbose_name": "content type", "verbose_name_plural": "content types"},
        ),
        migrations.AlterField(
            model_name="contenttype",
            name="name",
            field=models.CharField(max_length=100, null=True),
        ),
        migrations.RunPython(
            migrations.RunPython.noop,
            add_legacy_name,
            hints={"model_name": "contenttype"},
        ),
        migrations.RemoveField(
            model_name="contenttype",
            name="name",
            acknowledge=["data-loss"],
        ),
    ]
