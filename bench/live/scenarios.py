"""The model changes the live harness migrates, one after the other, on one busy table.

Each scenario changes one field of ``Account`` (or adds one); the model version after scenario
``k`` is the initial model with scenarios 1..k applied in order. The same declarations serve
both tools: only the import line of ``models.py`` differs.
"""

from __future__ import annotations

from dataclasses import dataclass

APP_LABEL = "live"
ACCOUNT_TABLE = f"{APP_LABEL}_account"
TEAM_TABLE = f"{APP_LABEL}_team"

#: the fields of ``Account`` before any scenario: field name -> declaration
INITIAL_FIELDS = {
    "name": "models.CharField(max_length=100)",
    "score": "models.IntegerField()",
}


@dataclass(frozen=True)
class Scenario:
    number: int
    #: what ``--scenarios`` accepts besides the number, and the migration's ``--name``
    key: str
    #: the short label of the table's row
    label: str
    #: the ``Account`` field the scenario adds or changes, and its declaration afterwards
    field: str
    declaration: str
    #: whether the change only adds to the schema (no existing column or row changes)
    is_additive: bool


SCENARIOS = (
    Scenario(
        1,
        "nullable-column",
        "nullable column",
        "note",
        "models.CharField(max_length=100, null=True)",
        is_additive=True,
    ),
    Scenario(
        2,
        "not-null-default",
        "NOT NULL + default",
        "status",
        'models.CharField(max_length=20, default="active")',
        is_additive=True,
    ),
    Scenario(3, "index", "index", "score", "models.IntegerField(db_index=True)", is_additive=True),
    Scenario(
        4,
        "nullable-fk",
        "nullable FK",
        "team",
        "models.ForeignKey(Team, null=True, on_delete=models.SET_NULL)",
        is_additive=True,
    ),
    Scenario(
        5,
        "null-to-not-null",
        "NULL -> NOT NULL",
        "note",
        'models.CharField(max_length=100, default="")',
        is_additive=False,
    ),
    Scenario(
        6,
        "int-to-bigint",
        "int -> bigint",
        "score",
        "models.BigIntegerField(db_index=True)",
        is_additive=False,
    ),
    Scenario(
        7,
        "unique",
        "unique",
        "name",
        "models.CharField(max_length=100, unique=True)",
        is_additive=False,
    ),
)

#: the value the app sets in each column it knows (``score`` 0, so inserts leave the sum alone;
#: ``name`` is made unique per write, ``team_id`` an existing team: see writers.py)
WRITTEN_VALUES = {"note": "written", "status": "active"}


def account_fields(applied: int) -> dict[str, str]:
    """``Account``'s fields after scenarios 1..``applied``: field name -> declaration."""
    fields = dict(INITIAL_FIELDS)
    for scenario in SCENARIOS[:applied]:
        fields[scenario.field] = scenario.declaration
    return fields


def account_columns(applied: int) -> tuple[str, ...]:
    """The columns the app version after scenarios 1..``applied`` names in its INSERTs."""
    return tuple(
        f"{name}_id" if "ForeignKey" in declaration else name
        for name, declaration in account_fields(applied).items()
    )


def models_source(applied: int, flavour: str) -> str:
    """``models.py`` after scenarios 1..``applied``, for ``flavour`` (schemashift or django)."""
    package = "django.db" if flavour == "django" else "schemashift"
    lines = [
        f"from {package} import models",
        "",
        "",
        "class Team(models.Model):",
        "    name = models.CharField(max_length=100)",
        "",
        "",
        "class Account(models.Model):",
    ]
    fields = account_fields(applied)
    lines += [f"    {name} = {declaration}" for name, declaration in fields.items()]
    return "\n".join(lines) + "\n"


def choose(spec: str) -> list[Scenario]:
    """The scenarios ``--scenarios`` names: numbers or keys, comma-separated, or ``all``."""
    if spec.strip() in ("", "all"):
        return list(SCENARIOS)
    by_name = {str(s.number): s for s in SCENARIOS} | {s.key: s for s in SCENARIOS}
    chosen = set()
    for item in (part.strip() for part in spec.split(",")):
        if item not in by_name:
            known = ", ".join(f"{s.number} {s.key}" for s in SCENARIOS)
            raise ValueError(f"unknown scenario {item!r}; choose from {known}")
        chosen.add(by_name[item])
    return sorted(chosen, key=lambda s: s.number)
