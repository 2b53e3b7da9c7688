#!/usr/bin/env bash
# The tutorial, end to end, in a new temporary folder: each command is printed as `$ command`,
# followed by its output. Run it with `make demo`; VENV_BIN names the virtualenv's bin folder.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV_BIN="${VENV_BIN:-$REPO/.venv/bin}"
WORKDIR="$(mktemp -d "${TMPDIR:-/tmp}/schemashift-demo.XXXXXX")"

# The commands read as a user types them, and run with the virtualenv's interpreter.
python() { "$VENV_BIN/python" "$@"; }
schemashift() { "$VENV_BIN/schemashift" "$@"; }

step() {
    printf '\n$ %s\n' "$*"
    "$@"
}

# Shows a file being written, then writes it.
write() {
    local path="$1"
    printf '\n$ cat > %s\n' "$path"
    cat > "$path"
    cat "$path"
}

unset SCHEMASHIFT_SETTINGS DATABASE_URL
cd "$WORKDIR"
echo "Demo folder: $WORKDIR"

step schemashift startproject mysite
step cd mysite
step python manage.py startapp polls

printf '\n$ # add "polls.apps.PollsConfig" to INSTALLED_APPS in mysite/settings.py\n'
python - <<'PY'
from pathlib import Path

settings = Path("mysite/settings.py")
source = settings.read_text()
settings.write_text(
    source.replace("INSTALLED_APPS = []", 'INSTALLED_APPS = [\n    "polls.apps.PollsConfig",\n]', 1)
)
PY
grep -A 2 '^INSTALLED_APPS' mysite/settings.py

write polls/models.py <<'PY'
from schemashift import models


class Question(models.Model):
    question_text = models.CharField(max_length=200)
    pub_date = models.DateTimeField("date published")

    def __str__(self):
        return self.question_text


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE)
    choice_text = models.CharField(max_length=200)
    votes = models.IntegerField(default=0)

    def __str__(self):
        return self.choice_text
PY

step python manage.py makemigrations polls
step python manage.py sqlmigrate polls 0001
step python manage.py check
step python manage.py migrate
step python manage.py showmigrations

printf '\n$ # the tables in db.sqlite3\n'
python - <<'PY'
import sqlite3

with sqlite3.connect("db.sqlite3") as db:
    tables = db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    )
    for (name,) in tables:
        print(name)
PY

# Prints the rows of a table, to show that each change keeps them.
rows() {
    printf '\n$ # the rows of %s\n' "$1"
    python - "$1" <<'PY'
import sqlite3
import sys

with sqlite3.connect("db.sqlite3") as db:
    cursor = db.execute(f'SELECT * FROM "{sys.argv[1]}" ORDER BY id')
    print(" | ".join(column[0] for column in cursor.description))
    for row in cursor:
        print(" | ".join(str(value) for value in row))
PY
}

session=$(cat <<'PY'
from schemashift.utils import timezone
q = Question(question_text="What's new?", pub_date=timezone.now())
q.save()
q.choice_set.create(choice_text="Not much", votes=3)
q.choice_set.create(choice_text="The sky", votes=5)
print(Question.objects.all())
print(q.choice_set.order_by("-votes"))
PY
)
printf '\n$ python manage.py shell   # store a question and its choices through the API\n'
printf '%s\n' "$session" | sed 's/^/>>> /'
printf '%s\n' "$session" | python manage.py shell
rows polls_choice

printf '\n$ # rename Choice.votes to vote_count in polls/models.py\n'
sed -i 's/    votes = models.IntegerField(default=0)/    vote_count = models.IntegerField(default=0)/' polls/models.py
grep -n "vote_count" polls/models.py
printf '\n$ echo y | python manage.py makemigrations polls\n'
echo y | python manage.py makemigrations polls
step python manage.py migrate
rows polls_choice

step python manage.py migrate polls 0001
rows polls_choice
step python manage.py showmigrations

printf '\nThe demo project is in %s\n' "$WORKDIR/mysite"
