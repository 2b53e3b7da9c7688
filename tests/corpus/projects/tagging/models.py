from django.db import models


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    def __str__(self):
        return self.name


class Person(models.Model):
    name = models.CharField(max_length=100)
    friends = models.ManyToManyField("self", blank=True)
    follows = models.ManyToManyField(
        "self", symmetrical=False, related_name="followers", blank=True
    )


class Article(models.Model):
    title = models.CharField(max_length=200)
    tags = models.ManyToManyField(Tag, related_name="articles", blank=True)
    related = models.ManyToManyField("self", blank=True, db_table="tagging_related_articles")
    authors = models.ManyToManyField(Person, through="Authorship", related_name="articles")


class Authorship(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE)
    article = models.ForeignKey(Article, on_delete=models.CASCADE)
    role = models.CharField(max_length=30, default="writer")

    class Meta:
        unique_together = [("person", "article")]
