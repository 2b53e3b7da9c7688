"""``django.core.management``'s names that model and migration code imports."""
