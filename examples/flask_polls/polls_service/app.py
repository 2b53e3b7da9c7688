"""A small JSON service over the polls models.

``create_app()`` expects schemashift to be set up already: ``wsgi.py`` does it for a server,
the pytest plugin's ``db`` fixture does it for the tests.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, request

from schemashift import transaction
from schemashift.models import F
from schemashift.utils import timezone


def create_app() -> Flask:
    from polls.models import Choice, Question

    app = Flask(__name__)

    def question_json(question: Question) -> dict[str, Any]:
        return {
            "id": question.pk,
            "question_text": question.question_text,
            "pub_date": question.pub_date.isoformat(),
            "choices": [
                {"id": choice.pk, "choice_text": choice.choice_text, "votes": choice.votes}
                for choice in question.choices.order_by("id")
            ],
        }

    @app.get("/questions")
    def list_questions() -> list[dict[str, Any]]:
        return [question_json(q) for q in Question.objects.order_by("-pub_date", "id")]

    @app.post("/questions")
    def create_question() -> tuple[dict[str, Any], int]:
        body = request.get_json(silent=True) or {}
        text = body.get("question_text")
        choices = body.get("choices", [])
        if not isinstance(text, str) or not text.strip() or not isinstance(choices, list):
            abort(400, "question_text (text) and choices (a list of texts) are required")
        with transaction.atomic():
            question = Question.objects.create(question_text=text, pub_date=timezone.now())
            for choice_text in choices:
                Choice.objects.create(question=question, choice_text=str(choice_text))
        return question_json(question), 201

    @app.get("/questions/<int:question_id>")
    def show_question(question_id: int) -> dict[str, Any]:
        question = Question.objects.filter(pk=question_id).first()
        if question is None:
            abort(404)
        return question_json(question)

    @app.post("/choices/<int:choice_id>/vote")
    def vote(choice_id: int) -> dict[str, Any]:
        updated = Choice.objects.filter(pk=choice_id).update(votes=F("votes") + 1)
        if not updated:
            abort(404)
        return {"id": choice_id, "votes": Choice.objects.get(pk=choice_id).votes}

    return app
