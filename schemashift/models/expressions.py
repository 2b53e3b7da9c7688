"""Query expressions: ``F`` (a column), ``Value``, arithmetic on them, ``Func`` (SQL functions,
see ``schemashift.models.functions``), ``Case``/``When``, ``ExpressionWrapper``, subqueries
(``Subquery``, ``Exists``, ``OuterRef``), ordering (``OrderBy``) and ``Q`` (conditions).

They are plain data until a compiler resolves them (``resolve(compiler)``) into SQLAlchemy
expressions, so building them imports nothing and any backend can compile them.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from typing import Any

_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "%": operator.mod,
}


class Combinable:
    """Arithmetic with ``+ - * / %`` building a CombinedExpression."""

    def _combine(self, other: Any, connector: str, reversed_: bool) -> CombinedExpression:
        other = other if isinstance(other, Combinable) else Value(other)
        if reversed_:
            return CombinedExpression(other, connector, self)
        return CombinedExpression(self, connector, other)

    def __add__(self, other: Any) -> CombinedExpression:
        return self._combine(other, "+", False)

    def __radd__(self, other: Any) -> CombinedExpression:
        return self._combine(other, "+", True)

    def __sub__(self, other: Any) -> CombinedExpression:
        return self._combine(other, "-", False)

    def __rsub__(self, other: Any) -> CombinedExpression:
        return self._combine(other, "-", True)

    def __mul__(self, other: Any) -> CombinedExpression:
        return self._combine(other, "*", False)

    def __rmul__(self, other: Any) -> CombinedExpression:
        return self._combine(other, "*", True)

    def __truediv__(self, other: Any) -> CombinedExpression:
        return self._combine(other, "/", False)

    def __rtruediv__(self, other: Any) -> CombinedExpression:
        return self._combine(other, "/", True)

    def __mod__(self, other: Any) -> CombinedExpression:
        return self._combine(other, "%", False)

    def __neg__(self) -> CombinedExpression:
        return CombinedExpression(Value(0), "-", self)


class Expression(Combinable):
    """Something a compiler turns into a SQLAlchemy column expression.

    An expression remembers the arguments it was built with: ``deconstruct()`` gives them
    (migrations write a ``db_default=Now()`` back as it was written), and two expressions
    built alike are equal, as in Django.
    """

    contains_aggregate = False
    #: the field given as ``output_field=``; None means inferred from the sources
    explicit_output_field: Any = None
    #: whether a column's database default may be this expression (no field references)
    allowed_default = True

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        instance = super().__new__(cls)
        instance._constructor_args = (args, kwargs)
        return instance

    def deconstruct(self) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        """(import path, args, kwargs) that rebuild the expression."""
        args, kwargs = self._constructor_args
        return expression_path(type(self)), tuple(args), dict(kwargs)

    @property
    def identity(self) -> tuple[Any, ...]:
        args, kwargs = self._constructor_args
        return (type(self), args, tuple(sorted(kwargs.items())))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Expression):
            return NotImplemented
        return self.identity == other.identity

    def __hash__(self) -> int:
        try:
            return hash(self.identity)
        except TypeError:
            return hash(type(self))

    def resolve(self, compiler: Any) -> Any:
        raise NotImplementedError

    def output_field(self, compiler: Any) -> Any:
        """The model field whose conversions apply to this expression's values, if any."""
        return self.explicit_output_field

    def typed(self, compiler: Any, resolved: Any) -> Any:
        """``resolved`` read and written as the values of this expression's output field."""
        field = self.output_field(compiler)
        if field is None:
            return resolved
        import sqlalchemy as sa

        return sa.type_coerce(resolved, compiler.column_type(field))

    def asc(self, *, nulls_first: bool = False, nulls_last: bool = False) -> OrderBy:
        return OrderBy(self, False, nulls_first=nulls_first, nulls_last=nulls_last)

    def desc(self, *, nulls_first: bool = False, nulls_last: bool = False) -> OrderBy:
        return OrderBy(self, True, nulls_first=nulls_first, nulls_last=nulls_last)


def expression_path(cls: type) -> str:
    """Where migrations import an expression class from: ``schemashift.models.X`` for those
    ``models`` exports, else the class's own module (database functions too, as Django
    writes them)."""
    name = cls.__name__
    module = cls.__module__
    if module == __name__:
        from schemashift import models

        exported = getattr(models, name, None) is cls
        return f"schemashift.models.{name}" if exported else f"{module}.{name}"
    if module.startswith("schemashift.models.functions"):
        return f"{module}.{name}"  # as Django: django.db.models.functions.datetime.Now
    if module == "schemashift.models.aggregates":
        return f"schemashift.models.{name}"
    return f"{module}.{cls.__qualname__}"


class F(Expression):
    """A reference to a field of the queried model, across relations with ``__``."""

    allowed_default = False

    def __init__(self, name: str) -> None:
        self.name = name

    def resolve(self, compiler: Any) -> Any:
        return compiler.resolve_reference(self.name)

    def output_field(self, compiler: Any) -> Any:
        return compiler.reference_field(self.name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, F) and other.name == self.name

    def __hash__(self) -> int:
        return hash(("F", self.name))

    def __repr__(self) -> str:
        return f"F({self.name})"


class Value(Expression):
    """A constant, sent as a bound parameter (converted as ``output_field`` stores values)."""

    def __init__(self, value: Any, output_field: Any = None) -> None:
        self.value = value
        self.explicit_output_field = output_field

    def resolve(self, compiler: Any) -> Any:
        return compiler.bind_value(self.value, self.explicit_output_field)

    def __repr__(self) -> str:
        return f"Value({self.value!r})"


class CombinedExpression(Expression):
    """``lhs <connector> rhs``."""

    def __init__(self, lhs: Expression, connector: str, rhs: Expression) -> None:
        self.lhs = lhs
        self.connector = connector
        self.rhs = rhs

    @property
    def contains_aggregate(self) -> bool:  # type: ignore[override]
        return self.lhs.contains_aggregate or self.rhs.contains_aggregate

    @property
    def allowed_default(self) -> bool:  # type: ignore[override]
        return self.lhs.allowed_default and self.rhs.allowed_default

    def resolve(self, compiler: Any) -> Any:
        shifted = compiler.temporal_arithmetic(self.lhs, self.connector, self.rhs)
        if shifted is not None:
            return self.typed(compiler, shifted)
        return _OPERATORS[self.connector](self.lhs.resolve(compiler), self.rhs.resolve(compiler))

    def output_field(self, compiler: Any) -> Any:
        lhs, rhs = self.lhs.output_field(compiler), self.rhs.output_field(compiler)
        if lhs is not None and rhs is not None and lhs.get_internal_type() == "DurationField":
            return rhs  # a duration plus a date is a date
        return lhs or rhs

    def __repr__(self) -> str:
        return f"{self.lhs!r} {self.connector} {self.rhs!r}"


class Q:
    """A condition tree: keyword lookups joined by AND, combined with ``&``, ``|`` and ``~``.

    Combining flattens as Django's does (``Q(a=1) | Q(b=2)`` has the two lookups as children,
    ``~Q(a=1)`` is one negated node), so ``deconstruct()`` writes the same migration text.
    """

    AND = "AND"
    OR = "OR"
    default = AND
    conditional = True

    def __init__(self, *args: Any, _connector: str = AND, _negated: bool = False, **kwargs: Any):
        self.children: list[Any] = [*args, *sorted(kwargs.items())]
        self.connector = _connector or self.default
        self.negated = _negated

    def copy(self) -> Q:
        copied = Q(_connector=self.connector, _negated=self.negated)
        copied.children = list(self.children)
        return copied

    def _add(self, child: Any, connector: str) -> None:
        if self.connector != connector:
            moved = self.copy()
            self.connector = connector
            self.children = [moved, child]
        elif (
            isinstance(child, Q)
            and not child.negated
            and (child.connector == connector or len(child.children) == 1)
        ):
            self.children.extend(child.children)
        else:
            self.children.append(child)

    def _combine(self, other: Any, connector: str) -> Q:
        if not getattr(other, "conditional", False):
            raise TypeError(f"Cannot combine a Q with {type(other).__name__}.")
        if not self:
            return other.copy() if isinstance(other, Q) else other
        if isinstance(other, Q) and not other:
            return self.copy()
        combined = Q(_connector=connector)
        combined._add(self, connector)
        combined._add(other, connector)
        return combined

    def __and__(self, other: Q) -> Q:
        return self._combine(other, self.AND)

    def __or__(self, other: Q) -> Q:
        return self._combine(other, self.OR)

    def __invert__(self) -> Q:
        inverted = self.copy()
        inverted.negated = not self.negated
        return inverted

    def __bool__(self) -> bool:
        return bool(self.children)

    def flatten(self) -> Iterator[Any]:
        """This node, then every node and leaf below it."""
        yield self
        for child in self.children:
            if isinstance(child, Q):
                yield from child.flatten()
            else:
                yield child

    def referenced_fields(self) -> set[str]:
        """The first part of every lookup and F() name in the tree (``"price"`` for
        ``price__gte``)."""
        found: set[str] = set()
        for child in self.flatten():
            if isinstance(child, tuple):
                found.add(child[0].split("__")[0])
                found.update(referenced_fields_of(child[1]))
            elif not isinstance(child, Q):
                found.update(referenced_fields_of(child))
        return found

    def deconstruct(self) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        kwargs: dict[str, Any] = {}
        if self.connector != self.default:
            kwargs["_connector"] = self.connector
        if self.negated:
            kwargs["_negated"] = True
        return "schemashift.models.Q", tuple(self.children), kwargs

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Q)
            and other.children == self.children
            and other.connector == self.connector
            and other.negated == self.negated
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        inner = f" {self.connector} ".join(repr(child) for child in self.children)
        return f"<Q: {'NOT ' if self.negated else ''}({inner})>"


def referenced_fields_of(value: Any) -> set[str]:
    """The field names an expression (or a Q) reads: the first part of each ``F()`` name."""
    if isinstance(value, F):
        return {value.name.split("__")[0]}
    if isinstance(value, Q):
        return value.referenced_fields()
    found: set[str] = set()
    for attribute in ("source_expressions", "lhs", "rhs", "expression"):
        inner = getattr(value, attribute, None)
        for item in inner if isinstance(inner, list) else [inner]:
            if item is not None and item is not value:
                found.update(referenced_fields_of(item))
    return found


def as_expression(value: Any, strings_are_fields: bool = True) -> Expression:
    """``value`` as an expression: an expression as it is, a string as ``F(string)`` (as in
    Django's functions), anything else as ``Value(value)``."""
    if isinstance(value, Expression):
        return value
    if strings_are_fields and isinstance(value, str):
        return F(value)
    return Value(value)


class Func(Expression):
    """An SQL function over expressions: ``Func(F("name"), function="UPPER")``, or a subclass
    setting ``function``. Strings name fields; wrap constants in ``Value``."""

    function = ""
    #: how many arguments the function takes; None for any number
    arity: int | None = None

    def __init__(
        self, *expressions: Any, output_field: Any = None, function: str | None = None
    ) -> None:
        if self.arity is not None and len(expressions) != self.arity:
            plural = "" if self.arity == 1 else "s"
            raise TypeError(
                f"{type(self).__name__} takes exactly {self.arity} argument{plural} "
                f"({len(expressions)} given)."
            )
        self.source_expressions = [as_expression(e) for e in expressions]
        self.explicit_output_field = output_field
        if function is not None:
            self.function = function

    @property
    def contains_aggregate(self) -> bool:  # type: ignore[override]
        return any(e.contains_aggregate for e in self.source_expressions)

    @property
    def allowed_default(self) -> bool:  # type: ignore[override]
        return not self.contains_aggregate and all(
            e.allowed_default for e in self.source_expressions
        )

    def resolve(self, compiler: Any) -> Any:
        return self.typed(compiler, self.compile(compiler, self.resolved_sources(compiler)))

    def resolved_sources(self, compiler: Any) -> list[Any]:
        return [e.resolve(compiler) for e in self.source_expressions]

    def compile(self, compiler: Any, arguments: list[Any]) -> Any:
        """The SQLAlchemy expression of the function over its resolved ``arguments``; a
        subclass overrides this where a backend spells the function differently."""
        import sqlalchemy as sa

        return getattr(sa.func, self.function.lower())(*arguments)

    def output_field(self, compiler: Any) -> Any:
        if self.explicit_output_field is not None:
            return self.explicit_output_field
        for source in self.source_expressions:
            field = source.output_field(compiler)
            if field is not None:
                return field
        return None

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.deconstruct() == self.deconstruct()

    def __hash__(self) -> int:
        return hash((type(self).__name__, repr(self)))

    def __repr__(self) -> str:
        arguments = ", ".join(repr(e) for e in self.source_expressions)
        return f"{type(self).__name__}({arguments})"


class ExpressionWrapper(Expression):
    """An expression whose values are those of ``output_field`` (``F("a") * F("b")`` as a
    DecimalField, say)."""

    def __init__(self, expression: Any, output_field: Any) -> None:
        self.expression = as_expression(expression)
        self.explicit_output_field = output_field

    @property
    def contains_aggregate(self) -> bool:  # type: ignore[override]
        return self.expression.contains_aggregate

    def resolve(self, compiler: Any) -> Any:
        return self.typed(compiler, self.expression.resolve(compiler))

    def __repr__(self) -> str:
        return f"ExpressionWrapper({self.expression!r})"


class OrderBy:
    """One ORDER BY term: ``F("x").desc(nulls_last=True)``."""

    def __init__(
        self,
        expression: Any,
        descending: bool = False,
        *,
        nulls_first: bool = False,
        nulls_last: bool = False,
    ) -> None:
        if nulls_first and nulls_last:
            raise ValueError("nulls_first and nulls_last are mutually exclusive.")
        self.expression = as_expression(expression)
        self.descending = descending
        self.nulls_first = nulls_first
        self.nulls_last = nulls_last

    def reversed(self) -> OrderBy:
        """The opposite order, NULLs at the other end too."""
        return OrderBy(
            self.expression,
            not self.descending,
            nulls_first=self.nulls_last,
            nulls_last=self.nulls_first,
        )

    def __repr__(self) -> str:
        direction = "DESC" if self.descending else "ASC"
        nulls = " NULLS FIRST" if self.nulls_first else " NULLS LAST" if self.nulls_last else ""
        return f"OrderBy({self.expression!r}, {direction}{nulls})"


class When(Expression):
    """One branch of a ``Case``: ``When(Q(...) or lookups, then=value)``."""

    allowed_default = False

    def __init__(self, condition: Any = None, then: Any = None, **lookups: Any) -> None:
        if lookups:
            condition = Q(condition, **lookups) if isinstance(condition, Q) else Q(**lookups)
        if condition is None or (isinstance(condition, Q) and not condition):
            raise TypeError("When() needs a Q object, a boolean expression or lookups.")
        if not isinstance(condition, Q | Expression):
            raise TypeError(
                f"When() condition must be a Q object or an expression, not {condition!r}."
            )
        self.condition = condition
        # as in Django, a string names a field: a constant text is Value("...")
        self.result = as_expression(then)

    @property
    def contains_aggregate(self) -> bool:  # type: ignore[override]
        return self.result.contains_aggregate

    def resolve(self, compiler: Any) -> Any:
        raise TypeError("When() can be used only inside Case().")

    def output_field(self, compiler: Any) -> Any:
        return self.result.output_field(compiler)

    def __repr__(self) -> str:
        return f"When({self.condition!r}, then={self.result!r})"


class Case(Expression):
    """``CASE WHEN ... THEN ... ELSE default END``: the result of the first ``When`` whose
    condition holds, else ``default`` (NULL unless given)."""

    allowed_default = False

    def __init__(self, *cases: When, default: Any = None, output_field: Any = None) -> None:
        if not all(isinstance(case, When) for case in cases):
            raise TypeError("Positional arguments of Case() must all be When objects.")
        self.cases = list(cases)
        self.default = as_expression(default)
        self.explicit_output_field = output_field

    @property
    def contains_aggregate(self) -> bool:  # type: ignore[override]
        return self.default.contains_aggregate or any(c.contains_aggregate for c in self.cases)

    def resolve(self, compiler: Any) -> Any:
        import sqlalchemy as sa

        field = self.output_field(compiler)
        default = self._resolve_result(compiler, self.default, field)
        if not self.cases:
            return self.typed(compiler, default)
        whens = [
            (
                compiler.boolean_condition(case.condition),
                self._resolve_result(compiler, case.result, field),
            )
            for case in self.cases
        ]
        return self.typed(compiler, sa.case(*whens, else_=default))

    @staticmethod
    def _resolve_result(compiler: Any, result: Expression, field: Any) -> Any:
        # constants take the Case's type, so every branch has one type (PostgreSQL needs it)
        if type(result) is Value and result.explicit_output_field is None and field is not None:
            return compiler.bind_value(result.value, field)
        return result.resolve(compiler)

    def output_field(self, compiler: Any) -> Any:
        if self.explicit_output_field is not None:
            return self.explicit_output_field
        for source in [*self.cases, self.default]:
            field = source.output_field(compiler)
            if field is not None:
                return field
        return None

    def __repr__(self) -> str:
        cases = ", ".join(repr(case) for case in self.cases)
        return f"Case({cases}, default={self.default!r})"


class OuterRef(F):
    """Inside a ``Subquery`` or ``Exists``: a field of the query around it."""

    def resolve(self, compiler: Any) -> Any:
        return compiler.outer_reference(self.name)

    def output_field(self, compiler: Any) -> Any:
        return compiler.outer_reference_field(self.name)

    def __eq__(self, other: object) -> bool:
        return type(other) is OuterRef and other.name == self.name

    def __hash__(self) -> int:
        return hash(("OuterRef", self.name))

    def __repr__(self) -> str:
        return f"OuterRef({self.name})"


class Subquery(Expression):
    """The single value a queryset selects (``qs.values("x")[:1]``), as a scalar subquery."""

    allowed_default = False

    def __init__(self, queryset: Any, output_field: Any = None) -> None:
        self.query = queryset.query
        self.explicit_output_field = output_field

    def resolve(self, compiler: Any) -> Any:
        return self.typed(compiler, compiler.subquery_select(self.query).scalar_subquery())

    def output_field(self, compiler: Any) -> Any:
        if self.explicit_output_field is not None:
            return self.explicit_output_field
        return compiler.subquery_output_field(self.query)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.query.model.__name__})"


class Exists(Subquery):
    """True where the queryset has a row; ``~Exists(...)`` where it has none."""

    def __init__(self, queryset: Any, negated: bool = False) -> None:
        super().__init__(queryset)
        self.negated = negated

    def __invert__(self) -> Exists:
        inverted = Exists.__new__(Exists)
        inverted.__dict__.update(self.__dict__)
        inverted.negated = not self.negated
        return inverted

    def resolve(self, compiler: Any) -> Any:
        import sqlalchemy as sa

        exists = sa.exists(compiler.subquery_select(self.query, exists=True))
        return self.typed(compiler, sa.not_(exists) if self.negated else exists)

    def output_field(self, compiler: Any) -> Any:
        from schemashift.models.fields import BooleanField

        return BooleanField()
