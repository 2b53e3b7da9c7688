"""What a lint rule is, the findings it makes, and the registry of every rule.

A rule has a readable id (``table-rewrite``), a severity, one line on why it matters and one
on how to fix it. Its check reads one operation in context (``context.py``) and returns hits;
the runner (``runner.py``) turns hits into findings and drops those the operation
acknowledges (``acknowledge=["table-rewrite"]`` in the migration file).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from schemashift.migrations.lint.context import OperationContext

ERROR = "error"
WARNING = "warning"
SEVERITIES = (WARNING, ERROR)


@dataclass(frozen=True)
class Hit:
    """What a rule found in one operation: the message, and the severity where it is not the
    rule's own (a lock on a small table is a warning)."""

    message: str
    severity: str | None = None


Check = Callable[["OperationContext"], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    #: the rule set: "locking", "compatibility", "data-loss", "code"
    group: str
    why: str
    fix: str
    check: Check


@dataclass(frozen=True)
class Finding:
    """One rule's finding in one operation of a migration (``operation_index`` from 1)."""

    app: str
    migration: str
    operation_index: int
    operation: str
    rule: str
    severity: str
    message: str
    fix: str
    acknowledged: bool = False

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def as_dict(self) -> dict[str, object]:
        """The finding as ``lint --format json`` writes it."""
        return {
            "app": self.app,
            "migration": self.migration,
            "operation_index": self.operation_index,
            "operation": self.operation,
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "fix": self.fix,
            "acknowledged": self.acknowledged,
        }


#: id -> rule, in the order they were registered (rule set by rule set)
RULES: dict[str, Rule] = {}


def rule(id: str, severity: str, group: str, why: str, fix: str) -> Callable[[Check], Check]:
    """Register the decorated check as the rule ``id``."""

    def register(check: Check) -> Check:
        if id in RULES:
            raise ValueError(f"Lint rule '{id}' is registered twice.")
        RULES[id] = Rule(id, severity, group, why, fix, check)
        return check

    return register


__all__ = ["ERROR", "RULES", "SEVERITIES", "WARNING", "Finding", "Hit", "Rule", "rule"]
