"""What a generated operation waits for, and what an operation provides to the others."""

from __future__ import annotations

from typing import NamedTuple

# What an operation can wait for (Dependency.kind).
CREATE = "create"  # the model (field_name None) or the field exists
REMOVE = "remove"  # the model or the field is gone
ALTER = "alter"  # the field was altered
TOGETHER_DROPPED = "together_dropped"  # no unique_together group names the field any more
INDEX_DROPPED = "index_dropped"  # no removed index still names the field
# Every migration the app has so far (model_name and field_name unused): its current leaf.
HISTORY = "history"


class Dependency(NamedTuple):
    """Something an operation needs done first, in its app or another one."""

    app_label: str
    model_name: str
    field_name: str | None
    kind: str
