"""The analytics ``filter`` grammar: parsing, canonical rendering, SQL semantics and errors."""

from __future__ import annotations

import string
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    create_engine,
    insert,
    select,
)

from licensehub.partner_center.filters import (
    FIELDS,
    GUID_FIELDS,
    And,
    Comparison,
    Expr,
    FilterError,
    Or,
    parse_filter,
    render,
    to_sql,
)

TENANT = "0112A436-B14E-4888-967B-CA4BB2CF1234"
TRICKY = ["and", "or", "eq", "ne", "AND", "Or", "(", ")", "'", "''", " ", "\t"]

# Round trips are checked against generous limits; the limits themselves are tested apart.
ROOMY = {"max_length": 1_000_000, "max_depth": 1_000}


def a(value: str = "a") -> Comparison:
    return Comparison("channel", "eq", value)


def b(value: str = "b") -> Comparison:
    return Comparison("workloadCode", "eq", value)


def c(value: str = "c") -> Comparison:
    return Comparison("serviceCode", "ne", value)


@st.composite
def guid_texts(draw: st.DrawFn, pool: list[uuid.UUID] | None = None) -> str:
    value = str(draw(st.sampled_from(pool) if pool else st.uuids()))
    mask = draw(st.integers(0, 2 ** len(value) - 1))
    value = "".join(ch.upper() if mask >> i & 1 else ch for i, ch in enumerate(value))
    return "{" + value + "}" if draw(st.booleans()) else value


def exprs(texts: st.SearchStrategy[str], guids: st.SearchStrategy[str]) -> st.SearchStrategy[Expr]:
    def comparison(field: str) -> st.SearchStrategy[Comparison]:
        values = guids if field in GUID_FIELDS else texts
        return st.builds(Comparison, st.just(field), st.sampled_from(["eq", "ne"]), values)

    leaves = st.sampled_from(FIELDS).flatmap(comparison)
    return st.recursive(
        leaves, lambda kids: st.builds(And, kids, kids) | st.builds(Or, kids, kids), max_leaves=10
    )


VALUE_TEXTS = st.one_of(
    st.text(max_size=15),
    st.lists(st.sampled_from([*TRICKY, "O'Brien", "Ünïcödé ✓", "channel"]), max_size=5).map(
        " ".join
    ),
)
ANY_EXPRS = exprs(VALUE_TEXTS, guid_texts())

GAPS = st.sampled_from(["", " ", "\t", "  ", " \t "])
SEPARATORS = st.sampled_from([" ", "\t", "   ", " \t"])


@st.composite
def messy_texts(draw: st.DrawFn, expr: Expr) -> str:
    """Text for ``expr`` with random whitespace, letter case and redundant parentheses.

    Every And/Or operand is parenthesized, so the tree is what the text says whatever the
    precedence rules; precedence is tested by the examples below.
    """

    def case(word: str) -> str:
        mask = draw(st.integers(0, 2 ** len(word) - 1))
        return "".join(ch.upper() if mask >> i & 1 else ch.lower() for i, ch in enumerate(word))

    def parens(text: str) -> str:
        return f"({draw(GAPS)}{text}{draw(GAPS)})"

    def go(node: Expr) -> str:
        if isinstance(node, Comparison):
            quoted = "'" + node.value.replace("'", "''") + "'"
            text = f"{case(node.field)}{draw(SEPARATORS)}{case(node.op)}{draw(GAPS)}{quoted}"
        else:
            # Operators always get parentheses, comparisons only sometimes.
            left, right = (
                parens(go(child))
                if not isinstance(child, Comparison) or draw(st.booleans())
                else go(child)
                for child in (node.left, node.right)
            )
            keyword = case("and" if isinstance(node, And) else "or")
            # Words need whitespace between them; a parenthesis or a quote does not.
            after = draw(GAPS) if right.startswith("(") else draw(SEPARATORS)
            text = f"{left}{draw(GAPS)}{keyword}{after}{right}"
        for _ in range(draw(st.integers(0, 2))):
            text = parens(text)
        return text

    return draw(GAPS) + go(expr) + draw(GAPS)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_messy_text_parses_to_its_tree(data: st.DataObject) -> None:
    expr = data.draw(ANY_EXPRS)
    text = data.draw(messy_texts(expr))
    assert parse_filter(text, **ROOMY) == expr


@settings(max_examples=100, deadline=None)
@given(ANY_EXPRS)
def test_render_round_trips(expr: Expr) -> None:
    text = render(expr)
    assert parse_filter(text, **ROOMY) == expr
    assert render(parse_filter(text, **ROOMY)) == text


# --- SQL semantics against a pure-Python evaluator -------------------------------------------

STRINGS = ["SFB", "sfb", "Reseller", "reseller", "RESELLER", "O'Brien", "o'brien", "Éric", "éric"]
STRINGS += ["", "x y"]
GUIDS = [uuid.UUID(TENANT), uuid.UUID(int=1), uuid.UUID(int=2**128 - 1)]

metadata = MetaData()
usage = Table(
    "usage",
    metadata,
    Column("id", Integer, primary_key=True),
    *(
        Column(field, Uuid(as_uuid=True) if field in GUID_FIELDS else String, nullable=False)
        for field in FIELDS
    ),
)
COLUMNS = {field: usage.c[field] for field in FIELDS}
ROWS = st.lists(
    st.fixed_dictionaries(
        {field: st.sampled_from(GUIDS if field in GUID_FIELDS else STRINGS) for field in FIELDS}
    ),
    min_size=1,
    max_size=6,
)


def fold(text: str) -> str:
    # Both sides go through SQLite's lower(), which folds ASCII letters only.
    return text.translate(str.maketrans(string.ascii_uppercase, string.ascii_lowercase))


def matches(expr: Expr, row: dict[str, Any]) -> bool:
    if isinstance(expr, And):
        return matches(expr.left, row) and matches(expr.right, row)
    if isinstance(expr, Or):
        return matches(expr.left, row) or matches(expr.right, row)
    if expr.field in GUID_FIELDS:
        equal = uuid.UUID(expr.value) == row[expr.field]
    else:
        equal = fold(expr.value) == fold(row[expr.field])
    return equal if expr.op == "eq" else not equal


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def selected(engine: Engine, rows: list[dict[str, Any]], expr: Expr) -> set[int]:
    with engine.begin() as connection:
        connection.execute(usage.delete())
        connection.execute(insert(usage), [{"id": i, **row} for i, row in enumerate(rows)])
        return set(connection.scalars(select(usage.c.id).where(to_sql(expr, COLUMNS))))


@settings(max_examples=100, deadline=None)
@given(rows=ROWS, expr=exprs(st.sampled_from(STRINGS), guid_texts(GUIDS)))
def test_sql_selects_what_the_expression_means(
    engine: Engine, rows: list[dict[str, Any]], expr: Expr
) -> None:
    expected = {i for i, row in enumerate(rows) if matches(expr, row)}
    assert selected(engine, rows, expr) == expected


def test_sql_ignores_case_of_strings_and_guids(engine: Engine) -> None:
    row = {field: "other" for field in FIELDS} | {"channel": "reseller"}
    row |= {"customerTenantId": uuid.UUID(TENANT), "productId": uuid.UUID(int=7)}
    assert selected(engine, [row], parse_filter("channel eq 'Reseller'")) == {0}
    assert selected(engine, [row], parse_filter(f"customerTenantId eq '{TENANT.lower()}'")) == {0}
    assert selected(engine, [row], parse_filter(f"customerTenantId ne '{TENANT}'")) == set()


# --- examples --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("workloadCode eq 'SFB'", Comparison("workloadCode", "eq", "SFB")),
        (
            "workloadCode eq 'SFB' or (channel eq 'Reseller')",
            Or(Comparison("workloadCode", "eq", "SFB"), Comparison("channel", "eq", "Reseller")),
        ),
        (f"customerTenantId eq '{TENANT}'", Comparison("customerTenantId", "eq", TENANT)),
        (f"productId ne '{{{TENANT}}}'", Comparison("productId", "ne", f"{{{TENANT}}}")),
        ("customerName eq 'O''Brien'", Comparison("customerName", "eq", "O'Brien")),
        ("productName eq ''''''", Comparison("productName", "eq", "''")),
        ("serviceName eq ' a or b eq (c) '", Comparison("serviceName", "eq", " a or b eq (c) ")),
        ("channel eq ''", Comparison("channel", "eq", "")),
        ("CHANNEL EQ 'a' OR WorkLoadCode Eq 'b'", Or(a(), b())),
        ("\t channel\teq'a'  oR(workloadcode eq 'b')\t", Or(a(), b())),
        ("channel eq 'a'and workloadCode eq 'b'", And(a(), b())),
    ],
)
def test_examples(text: str, expected: Expr) -> None:
    assert parse_filter(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("channel eq 'a' or workloadCode eq 'b' and serviceCode ne 'c'", Or(a(), And(b(), c()))),
        ("channel eq 'a' and workloadCode eq 'b' or serviceCode ne 'c'", Or(And(a(), b()), c())),
        ("channel eq 'a' or workloadCode eq 'b' or serviceCode ne 'c'", Or(Or(a(), b()), c())),
        ("channel eq 'a' and workloadCode eq 'b' and serviceCode ne 'c'", And(And(a(), b()), c())),
        ("channel eq 'a' or (workloadCode eq 'b' or serviceCode ne 'c')", Or(a(), Or(b(), c()))),
        ("(channel eq 'a' or workloadCode eq 'b') and serviceCode ne 'c'", And(Or(a(), b()), c())),
        (
            "channel eq 'a' and (workloadCode eq 'b' and serviceCode ne 'c')",
            And(a(), And(b(), c())),
        ),
    ],
)
def test_precedence_and_associativity(text: str, expected: Expr) -> None:
    assert parse_filter(text) == expected
    assert render(expected) == text


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "problem", "column"),
    [
        ("foo eq 'x'", "unknown field 'foo'", 1),
        ("channel eq 'x' or or eq 'y'", "unknown field 'or'", 19),
        ("channeleq 'x'", "unknown field 'channeleq'", 1),
        ("channel gt 'x'", "expected 'eq' or 'ne', found 'gt'", 9),
        ("channel eqx 'x'", "expected 'eq' or 'ne', found 'eqx'", 9),
        ("channel", "expected 'eq' or 'ne', found end of filter", 8),
        ("channel eq", "expected a quoted value, found end of filter", 11),
        ("channel eq Reseller", "expected a quoted value, found 'Reseller'", 12),
        ("(channel eq 'x'", "unbalanced parenthesis", 1),
        ("channel eq 'x')", "unbalanced parenthesis", 15),
        ("(channel eq ')'", "unbalanced parenthesis", 1),
        ("channel eq 'x", "unterminated string", 12),
        ("channel eq 'x''", "unterminated string", 12),
        ("workloadCode eq 'x' foo", "expected 'and', 'or' or end of filter, found 'foo'", 21),
        ("(workloadCode eq 'x' foo)", "expected 'and', 'or' or ')', found 'foo'", 22),
        ("channel eq 'x' (channel eq 'y')", "found '('", 16),
        ("channel eq 'x' and", "expected a field name or '(', found end of filter", 19),
        ("()", "expected a field name or '(', found ')'", 2),
        ("channel eq 'x' & channel eq 'y'", "unexpected character '&'", 16),
        ("channel\neq 'x'", "unexpected character '\\n'", 8),
        ("", "empty filter", 1),
        (" \t ", "empty filter", 1),
        ("customerTenantId eq 'abc'", "'abc' is not a GUID (customerTenantId)", 21),
        ("productId eq '0112A436B14E4888967BCA4BB2CF1234'", "is not a GUID (productId)", 14),
        ("productId eq 'abc' foo", "is not a GUID (productId)", 14),
        ("(" * 33 + "channel eq 'x'" + ")" * 33, "nested deeper than 32 parentheses", 33),
        ("channel eq '" + "x" * 2000 + "'", "longer than 2000 characters", 2001),
    ],
)
def test_errors_name_the_problem_and_where(text: str, problem: str, column: int) -> None:
    with pytest.raises(FilterError) as caught:
        parse_filter(text)
    assert problem in caught.value.message
    assert caught.value.position == column - 1
    assert str(caught.value).startswith(f"filter: {caught.value.message} at column {column}")


def test_unknown_field_lists_the_allowed_ones() -> None:
    with pytest.raises(FilterError) as caught:
        parse_filter("foo eq 'x'")
    assert str(caught.value) == (
        "filter: unknown field 'foo' at column 1; allowed: workloadCode, workloadName, "
        "serviceCode, serviceName, channel, customerTenantId, customerName, productId, productName"
    )


def test_depth_counts_parentheses() -> None:
    nested = "(" * 32 + "channel eq 'x'" + ")" * 32
    assert parse_filter(nested) == a("x")
    assert parse_filter("(" + nested + ")", max_depth=33) == a("x")
    with pytest.raises(FilterError, match="nested deeper than 32"):
        parse_filter("(" + nested + ")")


def test_thousand_parentheses_are_an_error_not_a_recursion_error() -> None:
    text = "(" * 1000 + "channel eq 'x'" + ")" * 1000
    with pytest.raises(FilterError, match="longer than 2000"):
        parse_filter(text)
    with pytest.raises(FilterError, match="nested deeper than 32"):
        parse_filter(text, max_length=10**6)


@pytest.mark.parametrize(
    "level",
    [
        "channel eq 'a' or workloadCode eq 'b' and ({})",
        "({}) and channel eq 'a' or workloadCode eq 'b'",
        "channel eq 'a' and (workloadCode eq 'b' or {})",
        "(channel eq 'a' or workloadCode eq 'b') and ({})",
    ],
)
def test_deepest_allowed_filters_render_and_run(engine: Engine, level: str) -> None:
    # 32 levels of "and"/"or" alternating, the deepest SQL filters can give, within the limits
    # and within SQLite's parser stack.
    text = "channel eq 'x' or channel eq 'a'"
    for _ in range(32):
        text = level.format(text)
    expr = parse_filter(text)
    assert render(expr) == text
    row = {field: "a" for field in FIELDS} | {"customerTenantId": GUIDS[0], "productId": GUIDS[1]}
    assert selected(engine, [row], expr) == {0}


def test_long_chains_do_not_recurse() -> None:
    # Trees this deep would overflow recursive walks; the ones in the module are iterative.
    # (SQLite itself refuses to run it: its own limit is 1000 levels, ~120 fit in 2000 chars.)
    text = " or ".join(f"channel eq '{i}'" for i in range(5000))
    expr = parse_filter(text, max_length=10**6)
    assert render(expr) == text
    compiled = str(to_sql(expr, COLUMNS).compile())
    assert compiled.count(" OR ") == 4999
    assert "(" not in compiled.replace("lower(", "")


GARBAGE_PIECES = [*TRICKY, "channel", "productId", "foo", "'x'", f"'{TENANT}'", "&", "\n", "é"]


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=60)
    | st.lists(st.sampled_from(GARBAGE_PIECES), max_size=12).map(" ".join)
    | st.lists(st.sampled_from(GARBAGE_PIECES), max_size=12).map("".join)
)
def test_garbage_is_a_filter_error_or_a_filter(text: str) -> None:
    try:
        expr = parse_filter(text)
    except FilterError as error:
        problem: FilterError | None = error
    else:
        problem = None
        assert parse_filter(render(expr)) == expr
    if problem is not None:
        assert problem.position is not None
        assert 0 <= problem.position <= len(text)
        assert str(problem).startswith(
            f"filter: {problem.message} at column {problem.position + 1}"
        )
