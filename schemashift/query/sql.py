"""The compiler: a ``Query`` on a model, turned into SQLAlchemy Core for one backend.

Names like ``question__pub_date__year`` are walked field by field; each relation crossed adds
one LEFT OUTER JOIN (reused by every later reference to the same path). Values are always
bound parameters; identifiers are quoted by the dialect.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from schemashift.db.backends.registry import backend_for
from schemashift.exceptions import FieldError
from schemashift.models.aggregates import Avg, Count
from schemashift.models.expressions import Expression, F, OrderBy, Q, Subquery
from schemashift.models.fields import Field
from schemashift.models.many_to_many import link_fields, reverse_many_to_many, through_model
from schemashift.models.query_state import Query
from schemashift.models.queryset import QuerySet
from schemashift.models.related import (
    ReverseRelation,
    related_model,
    relation_value,
    reverse_relations,
    target_field,
)
from schemashift.query import temporal
from schemashift.query.casts import cast
from schemashift.query.columns import DecimalType, FloatType, column_type, table_of
from schemashift.query.lookups import TRANSFORMS, apply_transform, build_lookup
from schemashift.query.ordering import order_clauses
from schemashift.query.truncation import truncate

#: how deep ``select_related()`` without names follows non-null foreign keys
_SELECT_RELATED_DEPTH = 5
#: lookups that compare values by order, not equality
_ORDERING_LOOKUPS = frozenset({"gt", "gte", "lt", "lte", "range"})


def lookup_name(model: type, name: str) -> tuple[str, Any] | None:
    """What ``name`` means on ``model``: a field, a relation's raw column, or a relation."""
    opts = model._meta
    if name == "pk":
        return "field", opts.pk
    for field in opts.fields:
        if field.name == name:
            return ("forward", field) if field.is_relation else ("field", field)
        if field.attname == name:
            return "field", field
    for relation in reverse_relations(model):
        if relation.query_name == name:
            return "reverse", relation
    for field in opts.many_to_many:
        if field.name == name:
            return "many", ManyToManyPath(field, reverse=False)
    for relation in reverse_many_to_many(model):
        if relation.query_name == name:
            return "many", ManyToManyPath(relation.field, reverse=True)
    return None


@dataclass(frozen=True)
class ManyToManyPath:
    """A ManyToManyField crossed in a lookup: from the model to its through rows, then on to
    the other side (``reverse``: from the target's side back to the declaring model)."""

    field: Field
    reverse: bool

    def links(self) -> tuple[Field, Field]:
        """The through model's foreign keys: to the side we come from, to the side we reach."""
        source, target = link_fields(self.field)
        return (target, source) if self.reverse else (source, target)


def field_choices(model: type, extra: tuple[str, ...] = ()) -> str:
    names = {field.name for field in model._meta.fields}
    names.update(field.name for field in model._meta.many_to_many)
    names.update(relation.query_name for relation in reverse_relations(model))
    names.update(relation.query_name for relation in reverse_many_to_many(model))
    names.update(extra)
    return ", ".join(sorted(names))


@dataclass
class RelatedColumns:
    """Where one select_related model's columns sit in a row, and where it hangs."""

    path: tuple[str, ...]
    model: type
    start: int
    parent: tuple[str, ...]
    field_name: str


class Compiler:
    """Builds the statements of one Query on one connection's dialect."""

    def __init__(self, query: Query, connection: Any, outer: Compiler | None = None) -> None:
        self.query = query
        self.connection = connection
        self.vendor: str = connection.vendor
        self.model = query.model
        #: the compiler of the query around this one, for a subquery's OuterRef
        self.outer = outer
        self.table = table_of(query.model, self.vendor)
        if outer is not None:
            # its own name, so that a subquery on the outer query's table is not correlated away
            self.table = self.table.alias()
        self.from_: Any = self.table
        self.joins: dict[tuple[str, ...], tuple[Any, type]] = {}
        self._uses_aggregate = False
        self.annotation_exprs: dict[str, Any] = {}
        for name, annotation in query.annotations.items():
            self.annotation_exprs[name] = annotation.resolve(self)

    # -- names --------------------------------------------------------------------------------

    def _join(self, key: tuple[str, ...], parent: Any, target: Any) -> tuple[Any, type]:
        if key in self.joins:
            return self.joins[key]
        if isinstance(target, ReverseRelation):
            model = target.model
            alias = table_of(model, self.vendor).alias()
            on = parent.c[target_field(target.field).column] == alias.c[target.field.column]
        else:
            model = related_model(target)
            alias = table_of(model, self.vendor).alias()
            on = parent.c[target.column] == alias.c[target_field(target).column]
        self.from_ = self.from_.join(alias, on, isouter=True)
        self.joins[key] = (alias, model)
        return alias, model

    def _join_many(
        self, key: tuple[str, ...], parent: Any, path: ManyToManyPath
    ) -> tuple[Any, type]:
        """Join the through table, then the table on the other side of a ManyToManyField."""
        from_link, to_link = path.links()
        through = through_model(path.field)
        through_alias, _ = self._join(
            (*key, "<through>"), parent, ReverseRelation(through, from_link)
        )
        return self._join(key, through_alias, to_link)

    def owner_alias(self, key: tuple[str, ...], alias: Any, model: type, field: Field) -> Any:
        """The alias of the table holding ``field`` of ``model`` (reached by ``key``): the
        model's own, or that of a parent of multi-table inheritance, joined on first use."""
        concrete = model._meta.concrete_model
        owner = concrete._meta.owner_of(field)
        while concrete is not owner:
            link = concrete._meta.get_ancestor_link(owner)
            if link is None:
                return alias
            key = (*key, f"<{link.name}>")
            alias, concrete = self._join(key, alias, link)
        return alias

    def walk(self, parts: list[str]) -> tuple[Any, type, Field, list[str], bool]:
        """(table alias, model, field, remaining lookup parts, whether a join was crossed)."""
        model, alias, key = self.model, self.table, ()
        for index, name in enumerate(parts):
            found = lookup_name(model, name)
            if found is None:
                extra = tuple(self.query.annotations) if index == 0 else ()
                raise FieldError(
                    f"Cannot resolve keyword '{name}' into field. Choices are: "
                    f"{field_choices(model, extra)}"
                )
            kind, target = found
            rest = parts[index + 1 :]
            joined = bool(key)
            if kind == "many":
                key = (*key, name)
                alias, model = self._join_many(key, alias, target)
                if not (rest and lookup_name(model, rest[0]) is not None):
                    return alias, model, model._meta.pk, rest, True
                continue
            if kind != "reverse":
                alias = self.owner_alias(key, alias, model, target)
            if kind == "field":
                return alias, model, target, rest, joined
            next_model = target.model if kind == "reverse" else related_model(target)
            continues = bool(rest) and lookup_name(next_model, rest[0]) is not None
            if kind == "forward" and not continues:
                return alias, model, target, rest, joined
            key = (*key, name)
            alias, model = self._join(key, alias, target)
            if not continues:
                return alias, model, model._meta.pk, rest, True
        raise FieldError("An empty field name cannot be resolved.")

    def column(self, name: str) -> tuple[Any, Field]:
        """The column expression and field of a plain name such as ``question__pub_date``."""
        alias, _model, field, rest, _joined = self.walk(name.split("__"))
        if rest:
            raise FieldError(f"Cannot resolve '{name}': '{rest[0]}' is not a field.")
        return alias.c[field.column], field

    def resolve_reference(self, name: str) -> Any:
        """An ``F(name)``: an annotation, or a column reached through joins."""
        if name in self.annotation_exprs:
            if self.query.annotations[name].contains_aggregate:
                self._uses_aggregate = True
            return self.annotation_exprs[name]
        return self.column(name)[0]

    def reference_field(self, name: str) -> Field | None:
        if name in self.query.annotations:
            return self.query.annotations[name].output_field(self)
        return self.column(name)[1]

    def bind_value(self, value: Any, field: Field | None = None) -> Any:
        if field is None:
            return sa.literal(value)
        return sa.literal(value, type_=column_type(field))

    def column_type(self, field: Field) -> Any:
        """The SQLAlchemy type converting values as ``field`` stores them."""
        return column_type(field)

    def cast(self, expression: Any, field: Field) -> Any:
        return cast(self.vendor, expression, field)

    def now(self) -> Any:
        """The current datetime in UTC, in the backend's storage format."""
        if self.vendor == "sqlite":
            # microseconds as six digits, as the datetime columns hold them
            return sa.func.strftime("%Y-%m-%d %H:%M:%f000", "now")
        if self.vendor == "mysql":
            return sa.func.utc_timestamp(6)
        return sa.func.now()

    def transform(self, name: str, lhs: Any, source: Expression) -> Any:
        """``lhs`` (the resolved ``source``) through a transform such as ``year`` or ``date``."""
        field = source.output_field(self)
        return apply_transform(self.vendor, name, lhs, field.get_internal_type() if field else "")

    def temporal_arithmetic(self, lhs: Expression, connector: str, rhs: Expression) -> Any:
        """``lhs <connector> rhs`` if it adds or takes a duration (to or from a date, a
        datetime or a duration), else None."""
        if connector not in "+-":
            return None
        if not temporal.is_temporal_arithmetic(
            temporal.kind_of(lhs, self), temporal.kind_of(rhs, self)
        ):
            return None
        return temporal.shift(self, lhs, connector, rhs)

    def truncate(self, kind: str, lhs: Any, source: Expression) -> Any:
        """``lhs`` (the resolved ``source``) cut to the start of its year, month, ..."""
        field = source.output_field(self)
        return truncate(self.vendor, kind, lhs, field.get_internal_type() if field else "")

    def boolean_condition(self, condition: Q | Expression) -> Any:
        """A ``When`` condition: a Q tree, or a boolean expression such as ``Exists``."""
        if isinstance(condition, Q):
            return self.condition(condition)
        return condition.resolve(self)

    # -- subqueries ---------------------------------------------------------------------------

    def outer_reference(self, name: str) -> Any:
        if self.outer is None:
            raise FieldError(f"OuterRef('{name}') can be used only inside a Subquery or Exists.")
        return self.outer.resolve_reference(name)

    def outer_reference_field(self, name: str) -> Field | None:
        if self.outer is None:
            return None
        return self.outer.reference_field(name)

    def subquery_select(self, query: Query, exists: bool = False) -> Any:
        """The SELECT of a Subquery (its one value) or an Exists, inside this query."""
        inner = Compiler(query, self.connection, outer=self)
        if exists:
            where, having = inner.filters()
            statement = sa.select(sa.literal(1)).select_from(inner.from_)
            if having:
                statement = statement.group_by(inner.table.c[inner.model._meta.pk.column])
            return inner._finish(statement, where, having, [])
        names = query.values
        if names is None:
            names = ("pk",)
        elif len(names) != 1:
            raise TypeError(
                f"A Subquery must select one column; the queryset of "
                f"{query.model.__name__} selects {len(names)}: use values('name')."
            )
        return inner.select_values(names)

    def subquery_output_field(self, query: Query) -> Field | None:
        names = query.values or ("pk",)
        return Compiler(query, self.connection, outer=self).reference_field(names[0])

    def output_type(self, aggregate: Any) -> Any:
        if isinstance(aggregate, Count):
            return sa.Integer()
        field = aggregate.output_field(self)
        if isinstance(aggregate, Avg):
            is_decimal = field is not None and field.get_internal_type() == "DecimalField"
            return DecimalType() if is_decimal else FloatType()
        return column_type(field) if field is not None else sa.types.NullType()

    # -- conditions ---------------------------------------------------------------------------

    def filters(self) -> tuple[list[Any], list[Any]]:
        """The WHERE and the HAVING conditions (those that name an aggregate annotation)."""
        where, having = [], []
        for condition in self.query.where:
            self._uses_aggregate = False
            clause = self.condition(condition)
            (having if self._uses_aggregate else where).append(clause)
        return where, having

    def condition(self, q: Q, negated: bool = False) -> Any:
        negated = negated != q.negated
        parts = [
            self.condition(child, negated)
            if isinstance(child, Q)
            else child.resolve(self)
            if isinstance(child, Expression)
            else self.leaf(*child, negated)
            for child in q.children
        ]
        if not parts:
            combined = sa.true()
        elif q.connector == Q.OR:
            combined = sa.or_(*parts)
        else:
            combined = sa.and_(*parts)
        return sa.not_(combined) if q.negated else combined

    def leaf(self, key: str, value: Any, negated: bool = False) -> Any:
        parts = key.split("__")
        if parts[0] in self.annotation_exprs:
            lhs = self.resolve_reference(parts[0])
            field = self.query.annotations[parts[0]].output_field(self)
            rest, nullable = parts[1:], True
        elif negated and self._crosses_many(parts):
            return self._matching_across_many(key, value)
        else:
            alias, _model, field, rest, joined = self.walk(parts)
            lhs = alias.c[field.column]
            nullable = joined or field.null
        kind = field.get_internal_type() if field is not None else ""
        while rest and rest[0] in TRANSFORMS:
            name = rest.pop(0)
            lhs = apply_transform(self.vendor, name, lhs, kind)
            kind = "DateField" if name == "date" else "IntegerField"
        if len(rest) > 1:
            raise FieldError(
                f"Unsupported lookup '{'__'.join(rest)}' for {kind or 'expression'} "
                "or join on the field not permitted."
            )
        lookup = rest[0] if rest else "exact"
        if lookup in _ORDERING_LOOKUPS:
            lhs = self.comparable(lhs, kind)
        value = self.prepare_value(value, field, lookup)
        clause = build_lookup(self.vendor, lookup, lhs, value, kind or "expression")
        if negated and nullable and lookup != "isnull" and value is not None:
            # NOT (x = 1) would drop the rows where x is NULL; Django keeps them
            clause = sa.and_(clause, lhs.is_not(None))
        return clause

    def _crosses_many(self, parts: list[str]) -> bool:
        """Whether the lookup crosses a relation to many rows (reverse foreign key or
        ManyToManyField), where excluding must look at all of them."""
        model = self.model
        for name in parts:
            found = lookup_name(model, name)
            if found is None:
                return False
            kind, target = found
            if kind == "many" or (kind == "reverse" and not target.one_to_one):
                return True
            if kind == "field":
                return False
            model = target.model if kind == "reverse" else related_model(target)
        return False

    def _matching_across_many(self, key: str, value: Any) -> Any:
        """``pk IN (rows with a related row matching)``, which ``exclude()`` negates, as
        Django does: a row is excluded when any of its related rows matches."""
        query = self.model._base_manager.filter(**{key: value}).query
        inner = Compiler(query, self.connection, outer=self)
        return self.table.c[self.model._meta.pk.column].in_(inner.select_pks())

    def comparable(self, expression: Any, kind: str) -> Any:
        """``expression`` as values compare in order: on SQLite, decimals with more digits
        than a double holds are stored as bytes, which sort after every number, so decimal
        columns are compared as numbers (to 15 significant digits)."""
        return backend_for(self.vendor).value_format(kind).comparable(expression)

    def prepare_value(self, value: Any, field: Field | None, lookup: str) -> Any:
        if lookup == "in" and type(value) is Subquery:
            return self.subquery_select(value.query)
        if isinstance(value, Expression):
            return value.resolve(self)
        if isinstance(value, QuerySet):
            return Compiler(value.query, self.connection).subquery()
        if lookup in ("in", "range"):
            return [self._plain_value(item, field) for item in value]
        return self._plain_value(value, field)

    @staticmethod
    def _plain_value(value: Any, field: Field | None) -> Any:
        if getattr(value, "_meta", None) is not None and hasattr(value, "_state"):
            if field is not None and field.is_relation:
                return relation_value(value, field)
            return value.pk
        return value

    # -- statements ---------------------------------------------------------------------------

    def _finish(self, statement: Any, where: list[Any], having: list[Any], order: list) -> Any:
        if where:
            statement = statement.where(*where)
        if having:
            statement = statement.having(*having)
        statement = statement.order_by(*order)
        if self.query.distinct:
            statement = statement.distinct()
        if self.query.low:
            statement = statement.offset(self.query.low)
        if self.query.high is not None:
            statement = statement.limit(self.query.high - self.query.low)
        return statement

    def select_instances(self) -> tuple[Any, list[RelatedColumns]]:
        """SELECT of the model's columns, select_related columns and annotations."""
        where, having = self.filters()
        order = self.ordering()
        columns = self.instance_columns((), self.table, self.model, loaded_fields(self.query))
        related = []
        for path, parent, field in self._select_related_paths():
            parent_alias = self.joins[parent][0] if parent else self.table
            parent_model = self.joins[parent][1] if parent else self.model
            parent_alias = self.owner_alias(parent, parent_alias, parent_model, field)
            alias, model = self._join(path, parent_alias, field)
            related.append(RelatedColumns(path, model, len(columns), parent, field.name))
            prefix = "__".join(path)
            columns.extend(
                column.label(f"{prefix}__{index}")
                for index, column in enumerate(self.instance_columns(path, alias, model))
            )
        plain = list(columns)
        columns.extend(expr.label(name) for name, expr in self.annotation_exprs.items())
        statement = sa.select(*columns).select_from(self.from_)
        if self.query.has_aggregate_annotation:
            statement = statement.group_by(*plain)
        return self._finish(statement, where, having, order), related

    def instance_columns(
        self, key: tuple[str, ...], alias: Any, model: type, fields: list[Field] | None = None
    ) -> list[Any]:
        """The columns of ``fields`` (default: every field of ``model``, its parents'
        included), in field order."""
        return [
            self.owner_alias(key, alias, model, field).c[field.column]
            for field in (model._meta.fields if fields is None else fields)
        ]

    def _select_related_paths(self) -> list[tuple[tuple[str, ...], tuple[str, ...], Field]]:
        wanted = self.query.select_related
        found: list[tuple[tuple[str, ...], tuple[str, ...], Field]] = []
        if wanted is True:
            self._follow_non_null(self.model, (), found, _SELECT_RELATED_DEPTH)
            return found
        seen: set[tuple[str, ...]] = set()
        for name in wanted:
            model, path = self.model, ()
            for part in name.split("__"):
                kind_target = lookup_name(model, part)
                if kind_target is None or kind_target[0] != "forward":
                    raise FieldError(
                        f"Invalid field name(s) given in select_related: '{part}'. "
                        f"Choices are: {_forward_names(model)}"
                    )
                field = kind_target[1]
                parent, path = path, (*path, part)
                if path not in seen:
                    seen.add(path)
                    found.append((path, parent, field))
                model = related_model(field)
        return found

    def _follow_non_null(self, model: type, path: tuple[str, ...], found: list, depth: int) -> None:
        if depth == 0:
            return
        for field in model._meta.fields:
            if field.is_relation and not field.null and not getattr(field, "parent_link", False):
                child = (*path, field.name)
                found.append((child, path, field))
                self._follow_non_null(related_model(field), child, found, depth - 1)

    def select_values(self, names: tuple[str, ...]) -> Any:
        where, having = self.filters()
        order = self.ordering()
        columns, grouping = [], []
        for name in names:
            if name in self.annotation_exprs:
                expr = self.annotation_exprs[name]
                if not self.query.annotations[name].contains_aggregate:
                    grouping.append(expr)
            else:
                expr = self.column(name)[0]
                grouping.append(expr)
            columns.append(expr.label(name))
        statement = sa.select(*columns).select_from(self.from_)
        if self.query.has_aggregate_annotation:
            if not self.query.group_by_values:
                grouping = self.instance_columns((), self.table, self.model)
            statement = statement.group_by(*grouping)
        return self._finish(statement, where, having, order)

    def ordering(self) -> list[Any]:
        names = self.query.ordering
        if names is None:
            names = tuple(self.model._meta.ordering)
        clauses = []
        for item in names:
            if isinstance(item, str):
                if item.lstrip("-+") == "?":
                    clauses.append(backend_for(self.vendor).random())
                    continue
                item = OrderBy(F(item.lstrip("-+")), item.startswith("-"))
            elif not isinstance(item, OrderBy):
                item = OrderBy(item)
            expression = self.ordered_expression(item.expression)
            clauses.extend(order_clauses(self.vendor, expression, item))
        return clauses

    def ordered_expression(self, expression: Expression) -> Any:
        """What ORDER BY sorts for ``expression``: a column compares in its field's order."""
        if type(expression) is F and expression.name not in self.annotation_exprs:
            column, field = self.column(expression.name)
            return self.comparable(column, field.get_internal_type() if field else "")
        return expression.resolve(self)

    def subquery(self) -> Any:
        """The SELECT of a queryset used as an ``__in`` value: its single value, or its pks."""
        if self.query.values is not None:
            if len(self.query.values) != 1:
                raise TypeError("A queryset used as an __in value must select one column.")
            return self.select_values(self.query.values)
        return self.select_pks()

    def select_pks(self) -> Any:
        """SELECT of the primary keys of the rows the query matches (for IN subqueries)."""
        where, having = self.filters()
        order = self.ordering()
        pk = self.table.c[self.model._meta.pk.column]
        statement = sa.select(pk).select_from(self.from_)
        if having:
            statement = statement.group_by(pk)
        return self._finish(statement, where, having, order)


def loaded_fields(query: Query) -> list[Field]:
    """The model's fields that ``only()``/``defer()`` leave loaded (the primary key always)."""
    fields = query.model._meta.fields
    if query.deferred is None:
        return list(fields)
    names, defer = query.deferred
    return [
        f for f in fields if f.primary_key or ((f.name in names or f.attname in names) != defer)
    ]


def _forward_names(model: type) -> str:
    return ", ".join(sorted(f.name for f in model._meta.fields if f.is_relation)) or "(none)"
