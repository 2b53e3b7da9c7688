from schemashift import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0005_alter_user_last_login_null"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    # contenttypes 0002 comes first, as in Django
    operations = []
