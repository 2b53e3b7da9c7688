"""The service's tests: the ``db`` fixture gives each test a migrated database, emptied after."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient


@pytest.fixture
def client(db: object) -> FlaskClient:
    from polls_service.app import create_app

    return create_app().test_client()


def test_a_new_question_is_listed_with_its_choices(client: FlaskClient) -> None:
    created = client.post(
        "/questions", json={"question_text": "What's new?", "choices": ["Not much", "The sky"]}
    )
    assert created.status_code == 201
    listed = client.get("/questions").get_json()
    assert [q["question_text"] for q in listed] == ["What's new?"]
    assert [c["choice_text"] for c in listed[0]["choices"]] == ["Not much", "The sky"]


def test_each_test_starts_with_no_questions(client: FlaskClient) -> None:
    assert client.get("/questions").get_json() == []


def test_voting_counts_in_the_database(client: FlaskClient) -> None:
    from polls.models import Choice

    question = client.post(
        "/questions", json={"question_text": "Tea or coffee?", "choices": ["Tea", "Coffee"]}
    ).get_json()
    tea = question["choices"][0]["id"]
    client.post(f"/choices/{tea}/vote")
    assert client.post(f"/choices/{tea}/vote").get_json() == {"id": tea, "votes": 2}
    assert Choice.objects.get(pk=tea).votes == 2


def test_bad_input_is_refused_and_writes_nothing(client: FlaskClient) -> None:
    from polls.models import Question

    assert client.post("/questions", json={"choices": ["x"]}).status_code == 400
    assert client.get("/questions/999").status_code == 404
    assert client.post("/choices/999/vote").status_code == 404
    assert Question.objects.count() == 0


def test_a_transactional_test_sees_committed_rows(transactional_db: object) -> None:
    from polls.models import Question

    from schemashift.utils import timezone

    Question.objects.create(question_text="Committed", pub_date=timezone.now())
    assert list(Question.objects.values_list("question_text", flat=True)) == ["Committed"]
