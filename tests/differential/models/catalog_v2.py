"""The catalog app, second version: fields added, altered and removed, indexes added."""

import uuid

from schemashift import models

STATUS_CHOICES = [("d", "Draft"), ("p", "Published")]


def default_sku():
    return "SKU-0"


class Timestamped(models.Model):
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Genre(models.TextChoices):
    NOVEL = "novel", "Novel"
    ESSAY = "essay"


def portrait_path(instance, filename):
    return f"portraits/{filename}"


class Author(models.Model):
    id = models.AutoField(primary_key=True)
    genre = models.CharField(max_length=5, choices=Genre, default=Genre.NOVEL)
    photo = models.FileField(upload_to="photos/", blank=True)
    portrait = models.FileField(upload_to=portrait_path, null=True)
    papers = models.FilePathField(path="/srv/papers", null=True)
    last_ip = models.GenericIPAddressField(null=True)
    rank = models.IntegerField(db_default=1, db_comment="Editorial rank")
    nickname = models.CharField(max_length=20, db_default=models.Value("anon"))
    joined = models.DateTimeField(db_default=models.functions.Now())
    rank_twice = models.GeneratedField(
        expression=models.F("rank") * 2, output_field=models.IntegerField(), db_persist=True
    )
    name = models.CharField("full name", max_length=100, help_text="As printed on covers")
    email = models.EmailField(unique=True)
    website = models.URLField(blank=True)
    slug = models.SlugField()
    born = models.DateField(null=True, blank=True)
    bio = models.TextField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "writer"
        indexes = [models.Index(fields=["slug", "-born"], name="author_slug_born")]


class Publisher(models.Model):
    code = models.CharField(max_length=10, primary_key=True)
    name = models.CharField(max_length=150, db_column="publisher_name", db_index=True)
    city = models.CharField(max_length=50, verbose_name="home city", null=True)

    class Meta:
        db_table = "publishers"


class Tag(models.Model):
    id = models.SmallAutoField(primary_key=True)
    label = models.SlugField(max_length=40, unique=True)

    class Meta:
        indexes = [models.Index(fields=["-label"])]


class Series(models.Model):
    id = models.BigAutoField(primary_key=True)
    title = models.CharField(max_length=120)
    publisher = models.ForeignKey(Publisher, on_delete=models.DO_NOTHING, related_name="series")


class Book(Timestamped):
    title = models.CharField(max_length=300)
    subtitle = models.CharField(max_length=100, null=True)
    summary = models.TextField(blank=True, default="")
    sku = models.CharField(max_length=20, default=default_sku, unique=True)
    status = models.CharField(max_length=1, choices=STATUS_CHOICES, default="d")
    pages = models.IntegerField(null=True, blank=True)
    edition = models.SmallIntegerField(default=1)
    isbn = models.BigIntegerField(unique=True, null=True)
    stock = models.PositiveIntegerField(default=0, db_column="in_stock")
    rating = models.PositiveSmallIntegerField(null=True)
    views = models.PositiveBigIntegerField(default=0)
    in_print = models.BooleanField(default=True)
    sales = models.BigIntegerField(default=0)
    price = models.DecimalField(max_digits=8, decimal_places=2)
    published = models.DateField(null=True, db_index=True)
    launch_time = models.TimeField(null=True)
    reading_time = models.DurationField(null=True)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True)
    cover = models.BinaryField(null=True)
    extra = models.JSONField(default=dict)
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")
    publisher = models.ForeignKey(Publisher, on_delete=models.PROTECT, null=True)
    editor = models.ForeignKey(
        Author, on_delete=models.SET_NULL, null=True, blank=True, related_name="edited"
    )
    translator = models.ForeignKey(
        Author, on_delete=models.SET_DEFAULT, default=1, related_name="translated"
    )
    series = models.ForeignKey(Series, on_delete=models.RESTRICT, null=True, db_column="series_ref")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, null=True, db_index=False)

    class Meta:
        ordering = ["-published", "title"]
        unique_together = [("title", "edition"), ("author", "series")]
        indexes = [
            models.Index(fields=["status", "-published"], name="book_status_recent"),
            models.Index(fields=["-created"]),
            models.Index(fields=["author", "title"]),
        ]


class BookDetail(models.Model):
    book = models.OneToOneField(Book, on_delete=models.CASCADE, primary_key=True)
    blurb = models.TextField()


class Cover(models.Model):
    book = models.OneToOneField(Book, on_delete=models.CASCADE, related_name="front_cover")
    artist = models.ForeignKey(Author, on_delete=models.PROTECT, null=True)
    image = models.BinaryField()
