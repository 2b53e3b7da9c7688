from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Author(models.Model):
    name = models.CharField(_("name"), max_length=120)
    email = models.EmailField(blank=True)
    slug = models.SlugField(max_length=140, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Publisher(models.Model):
    COUNTRIES = [("fr", "France"), ("de", "Germany"), ("uk", "United Kingdom")]

    name = models.CharField(max_length=100, unique=True)
    country = models.CharField(max_length=2, choices=COUNTRIES, default="fr")
    website = models.URLField(max_length=300, blank=True)
    founded = models.PositiveSmallIntegerField(default=1900)


class Book(models.Model):
    title = models.CharField(max_length=200)
    isbn = models.CharField(
        max_length=13, unique=True, validators=[RegexValidator(r"^\d{13}$", "13 digits")]
    )
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")
    publisher = models.ForeignKey(
        Publisher, on_delete=models.SET_NULL, null=True, blank=True, related_name="books"
    )
    pages = models.PositiveIntegerField(validators=[MinValueValidator(1)], default=1)
    published = models.DateField(db_index=True)
    created = models.DateTimeField(auto_now_add=True)
    summary = models.TextField(blank=True, help_text=_("A paragraph for the catalogue"))

    class Meta:
        unique_together = [("author", "title")]
        indexes = [models.Index(fields=["published", "title"], name="book_pub_title_idx")]


class EBook(Book):
    file_size = models.PositiveBigIntegerField(help_text=_("In bytes"))
    drm = models.BooleanField(default=False)


class ClassicBook(Book):
    class Meta:
        proxy = True
        ordering = ["published"]


class Chapter(models.Model):
    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="chapters")
    title = models.CharField(max_length=200)
    words = models.PositiveIntegerField(null=True)

    class Meta:
        order_with_respect_to = "book"


class Loan(models.Model):
    book = models.ForeignKey(Book, on_delete=models.PROTECT, related_name="loans")
    borrower = models.CharField(max_length=100, db_index=True)
    lent = models.DateTimeField()
    returned = models.DateTimeField(null=True, blank=True)

    class Meta:
        get_latest_by = "lent"
        indexes = [models.Index(fields=["-lent"], name="loan_recent_idx")]
