"""The corpus: Django apps in Django form, with the migrations Django 5.2 wrote for them.

Each app lives in ``projects/<name>/`` exactly as a Django project holds it (``models.py``,
``apps.py``, ``migrations/``, written by ``django-admin makemigrations``, data migrations by
hand). The corpus test ports a copy with ``schemashift port`` and checks it against Django.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

PROJECTS_DIR = Path(__file__).parent / "projects"


@dataclass(frozen=True)
class Seed:
    """Rows inserted at one migration, and what a later query must give once all are applied."""

    at: str
    inserts: list[str]
    query: str
    expected: list[tuple[object, ...]]


@dataclass(frozen=True)
class CorpusApp:
    label: str
    app_config: str
    #: the migration files Django wrote, in order
    migrations: list[str] = field(default_factory=list)
    seed: Seed | None = None
    #: Django's apps installed before it (``"django.contrib.auth"``), ported with the project
    contrib: list[str] = field(default_factory=list)

    @property
    def installed_apps(self) -> list[str]:
        return [*self.contrib, self.app_config]

    @property
    def folder(self) -> Path:
        return PROJECTS_DIR / self.label


LIBRARY = CorpusApp(
    label="library",
    app_config="library.apps.LibraryConfig",
    migrations=[
        "0001_initial",
        "0002_author_slug",
        "0003_fill_slugs",
        "0004_ebook_classicbook_book_summary_alter_author_slug_and_more",
        "0005_cleanup",
    ],
    seed=Seed(
        at="0002_author_slug",
        inserts=[
            "INSERT INTO library_author (name, email, born, slug) "
            "VALUES ('Ursula K. Le Guin', '', NULL, '')",
            "INSERT INTO library_author (name, email, born, slug) "
            "VALUES ('Italo Calvino', 'ic@example.com', NULL, '')",
        ],
        query="SELECT name, slug, email FROM library_author ORDER BY name",
        expected=[
            ("Italo Calvino", "italo-calvino", "ic@example.com"),
            ("Ursula K. Le Guin", "ursula-k-le-guin", ""),
        ],
    ),
)

TAGGING = CorpusApp(
    label="tagging",
    app_config="tagging.apps.TaggingConfig",
    migrations=[
        "0001_initial",
        "0002_default_tags",
        "0003_article_related_person_interests",
        "0004_drop_interests",
    ],
    seed=Seed(
        at="0001_initial",
        inserts=["INSERT INTO tagging_article (title) VALUES ('Hello')"],
        query="SELECT a.title, t.name FROM tagging_article a "
        "JOIN tagging_article_tags j ON j.article_id = a.id "
        "JOIN tagging_tag t ON t.id = j.tag_id",
        expected=[("Hello", "news")],
    ),
)

MEDIA = CorpusApp(
    label="media",
    app_config="media.apps.MediaConfig",
    migrations=["0001_initial", "0002_asset_height_asset_width_alter_asset_title_and_more"],
)

INVENTORY = CorpusApp(
    label="inventory",
    app_config="inventory.apps.InventoryConfig",
    migrations=["0001_initial", "0002_movement_remove_item_item_quantity_gte_0_and_more"],
    seed=Seed(
        at="0001_initial",
        inserts=["INSERT INTO inventory_warehouse (code, city) VALUES ('AMS', 'Amsterdam')"],
        query="SELECT code, city FROM inventory_warehouse",
        expected=[("AMS", "Amsterdam")],
    ),
)

JOURNAL = CorpusApp(
    label="journal",
    app_config="journal.apps.JournalConfig",
    migrations=[
        "0001_initial",
        "0002_alter_entry_index_together",
        "0003_rename_entry_status_slug_idx",
        "0004_entry_headline_entry_words",
        "0005_alter_entry_options_alter_entry_managers_and_more",
    ],
    seed=Seed(
        at="0003_rename_entry_status_slug_idx",
        inserts=[
            "INSERT INTO auth_user (password, last_login, is_superuser, username, first_name, "
            "last_name, email, is_staff, is_active, date_joined) VALUES ('!', "
            "'2024-01-01 00:00:00', FALSE, 'Ada', '', '', '', FALSE, TRUE, '2024-01-01 00:00:00')",
            "INSERT INTO journal_entry (author_id, title, slug, status) "
            "VALUES (1, 'Engines', 'engines', 'published'), (1, 'Notes', '', 'draft')",
        ],
        query="SELECT title, slug, headline, words FROM journal_entry ORDER BY title",
        expected=[
            ("Engines", "engines", "ENGINES by ada", 71),
            ("Notes", "entry-2", "NOTES by ada", 0),
        ],
    ),
    contrib=["django.contrib.contenttypes", "django.contrib.auth"],
)

#: the apps the corpus test runs
PROJECTS = [LIBRARY, TAGGING, MEDIA, INVENTORY, JOURNAL]
