"""The ``filter`` query parameter of the license-usage analytics API, parsed with lark (LALR).

Grammar; keywords and field names match in any case, ``''`` is a quote inside a value, and
spaces or tabs separate tokens (needed only between two words)::

    filter     := or_expr
    or_expr    := and_expr ("or" and_expr)*        left-associative
    and_expr   := atom ("and" atom)*               left-associative, binds tighter than "or"
    atom       := comparison | "(" or_expr ")"
    comparison := FIELD ("eq" | "ne") '...'

Depth is the nesting of parentheses: ``channel eq 'x'`` has depth 0 and
``(channel eq 'x' or (channel eq 'y'))`` depth 2. Chains of ``and``/``or`` add none, because
nothing here recurses over them: the LALR parser keeps an explicit stack, render and to_sql walk
iteratively, and to_sql flattens each chain into one ``and_``/``or_``. So only parentheses make
the SQL deep, and at the default limit it still fits SQLite's parser (see to_sql).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, TypeAlias, cast

from lark import Lark, Token, Transformer
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedToken
from lark.lark import PostLex
from sqlalchemy import and_, func, or_
from sqlalchemy.sql.elements import ColumnElement

FIELDS: tuple[str, ...] = (
    "workloadCode",
    "workloadName",
    "serviceCode",
    "serviceName",
    "channel",
    "customerTenantId",
    "customerName",
    "productId",
    "productName",
)
GUID_FIELDS: frozenset[str] = frozenset({"customerTenantId", "productId"})
_CANONICAL = {field.lower(): field for field in FIELDS}


class FilterError(ValueError):
    """A filter the API rejects; ``position`` is a 0-based offset into the filter text."""

    def __init__(self, message: str, position: int | None, detail: str = "") -> None:
        where = "" if position is None else f" at column {position + 1}"
        super().__init__(f"filter: {message}{where}" + (f"; {detail}" if detail else ""))
        self.message = message
        self.position = position


@dataclass(frozen=True)
class Comparison:
    field: str
    op: Literal["eq", "ne"]
    value: str


@dataclass(frozen=True)
class And:
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Or:
    left: Expr
    right: Expr


Expr: TypeAlias = Comparison | And | Or

_GRAMMAR = r"""
?start: or_expr
?or_expr: and_expr | or_expr _OR and_expr -> or_
?and_expr: atom | and_expr _AND atom -> and_
?atom: comparison | _LPAR or_expr _RPAR
comparison: FIELD OP STRING
FIELD: /\w+/
OP: /(eq|ne)(?!\w)/i
_AND: /and(?!\w)/i
_OR: /or(?!\w)/i
_LPAR: "("
_RPAR: ")"
STRING: /'(?:[^']|'')*'/
%ignore /[ \t]+/
"""

# How lark's terminal names read in "expected ..." messages, in the order they are listed.
_TERMINALS = {
    "FIELD": "a field name",
    "_LPAR": "'('",
    "OP": "'eq' or 'ne'",
    "STRING": "a quoted value",
    "_AND": "'and'",
    "_OR": "'or'",
    "_RPAR": "')'",
    "$END": "end of filter",
}


def _show(text: str) -> str:
    text = str(text)  # a lark Token's repr names its type
    return repr(text if len(text) <= 40 else text[:40] + "...")


def _unquote(token: str) -> str:
    return token[1:-1].replace("''", "'")


def _is_guid(value: str) -> bool:
    # uuid.UUID alone also takes "urn:uuid:", bare hex, underscores and non-ASCII digits; the API
    # promises GUIDs as Partner Center writes them: 8-4-4-4-12 hex, any case, braces optional.
    core = value[1:-1] if value.startswith("{") and value.endswith("}") else value
    try:
        return str(uuid.UUID(core)) == core.lower()
    except ValueError:
        return False


class _Check(PostLex):
    """Validates fields and GUIDs as they are lexed, so the leftmost problem is the one reported.

    The contextual lexer only yields tokens the parser accepts in its current state, so every
    FIELD seen here is in field position and every STRING is the value of the last FIELD.
    """

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        field = ""
        for token in stream:
            if token.type == "FIELD":
                canonical = _CANONICAL.get(token.lower())
                if canonical is None:
                    allowed = "allowed: " + ", ".join(FIELDS)
                    raise FilterError(f"unknown field {_show(token)}", token.start_pos, allowed)
                field = canonical
                token = token.update(value=canonical)
            elif token.type == "STRING" and field in GUID_FIELDS:
                value = _unquote(token)
                if not _is_guid(value):
                    raise FilterError(f"{_show(value)} is not a GUID ({field})", token.start_pos)
            yield token


class _Build(Transformer[Token, Expr]):
    def comparison(self, children: list[Token]) -> Comparison:
        field, op, value = children
        return Comparison(str(field), "eq" if op.lower() == "eq" else "ne", _unquote(value))

    def and_(self, children: list[Expr]) -> And:
        return And(children[0], children[1])

    def or_(self, children: list[Expr]) -> Or:
        return Or(children[0], children[1])


@cache
def _parser() -> Lark:
    # The transformer runs inside the LALR parser on each reduction, so no parse tree is built
    # and nothing recurses over one.
    return Lark(_GRAMMAR, parser="lalr", lexer="contextual", postlex=_Check(), transformer=_Build())


def _open_parentheses(text: str, max_depth: int) -> list[int]:
    """Positions of the parentheses still open at the end of ``text``."""
    opened: list[int] = []
    at = 0
    while at < len(text):
        if text[at] == "'":
            start = at
            while (at := text.find("'", at + 1)) >= 0 and text.startswith("'", at + 1):
                at += 1  # a doubled quote inside the string
            if at < 0:
                raise FilterError("unterminated string", start)
        elif text[at] == "(":
            opened.append(at)
            if len(opened) > max_depth:
                raise FilterError(f"nested deeper than {max_depth} parentheses", at)
        elif text[at] == ")":
            if not opened:
                raise FilterError("unbalanced parenthesis: ')' has no matching '('", at)
            opened.pop()
        at += 1
    return opened


def _expected(names: Collection[str], text: str, position: int) -> str:
    if "_OR" in names:
        # After a complete comparison LALR offers ')' and end of input alike and the lexer never
        # lists end of input, so say which one this position can take.
        inside = _open_parentheses(text[:position], len(text))
        names = {"_AND", "_OR", "_RPAR" if inside else "$END"}
    parts = [words for name, words in _TERMINALS.items() if name in names]
    return " or ".join(parts) if len(parts) < 3 else ", ".join(parts[:-1]) + " or " + parts[-1]


def parse_filter(text: str, *, max_length: int = 2000, max_depth: int = 32) -> Expr:
    """Parse ``text``; depth (see the module docstring) counts nested parentheses."""
    if len(text) > max_length:
        raise FilterError(f"longer than {max_length} characters", max_length)
    if not text.strip(" \t"):
        raise FilterError("empty filter", 0)
    # Checked before lark sees the text, so depth is bounded cheaply and an unbalanced
    # parenthesis is reported where it is rather than where the parser runs out of input.
    opened = _open_parentheses(text, max_depth)
    if opened:
        raise FilterError("unbalanced parenthesis: '(' is never closed", opened[-1])
    try:
        return cast(Expr, _parser().parse(text))
    except UnexpectedToken as error:
        if error.token.type == "$END":
            found, position = "end of filter", len(text)
        else:
            found, position = _show(error.token), error.token.start_pos
        expected = _expected(error.expected, text, position)
        raise FilterError(f"expected {expected}, found {found}", position) from None
    except UnexpectedCharacters as error:
        position = error.pos_in_stream or 0
        expected = _expected(error.allowed or (), text, position)
        message = f"unexpected character {error.char!r}; expected {expected}"
        raise FilterError(message, position) from None
    except LarkError as error:  # lark raises nothing else for LALR, but it must never escape
        raise FilterError(f"cannot parse ({type(error).__name__})", 0) from None


def render(expr: Expr) -> str:
    """Canonical text for ``expr``, with parentheses only where the grammar needs them."""
    out: list[str] = []
    stack: list[Expr | str] = [expr]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, Comparison):
            quoted = item.value.replace("'", "''")
            out.append(f"{item.field} {item.op} '{quoted}'")
        else:
            is_and = isinstance(item, And)
            wrap_left = is_and and isinstance(item.left, Or)
            # Both operators are left-associative, so a right operand of the same kind (or any
            # operator under an "and") was grouped explicitly.
            wrap_right = isinstance(item.right, Or) or (is_and and isinstance(item.right, And))
            left: list[Expr | str] = ["(", item.left, ")"] if wrap_left else [item.left]
            right: list[Expr | str] = ["(", item.right, ")"] if wrap_right else [item.right]
            stack += reversed([*left, " and " if is_and else " or ", *right])
    return "".join(out)


def _operands(expr: And | Or) -> list[Expr]:
    """The operands of the whole chain of ``expr``'s operator, left to right."""
    kind = type(expr)
    found: list[Expr] = []
    stack: list[Expr] = [expr]
    while stack:
        item = stack.pop()
        if isinstance(item, kind):
            stack += [item.right, item.left]
        else:
            found.append(item)
    return found


def _compare(comparison: Comparison, column: ColumnElement[Any]) -> ColumnElement[bool]:
    if comparison.field in GUID_FIELDS:
        value = uuid.UUID(comparison.value)
        return column == value if comparison.op == "eq" else column != value
    # Lowering both sides in SQL keeps an exact match a match even where the database's lower()
    # folds fewer letters than Python's (SQLite folds ASCII only).
    left, right = func.lower(column), func.lower(comparison.value)
    return left == right if comparison.op == "eq" else left != right


def to_sql(expr: Expr, columns: Mapping[str, ColumnElement[Any]]) -> ColumnElement[bool]:
    """A WHERE clause for ``expr``; ``columns`` maps each canonical field name to its column."""
    done: list[tuple[ColumnElement[bool], int]] = []  # each clause with its height
    stack: list[tuple[Expr, list[Expr] | None]] = [(expr, None)]
    while stack:
        item, operands = stack.pop()
        if isinstance(item, Comparison):
            done.append((_compare(item, columns[item.field]), 0))
        elif operands is None:
            operands = _operands(item)
            stack.append((item, operands))
            stack += [(operand, None) for operand in reversed(operands)]
        else:
            # SQLite parses SQL with a fixed stack of 100 entries, and a parenthesis opened after
            # other operands costs several of them per level; deepest operand first keeps it to
            # about one. "and"/"or" commute, so the rows selected are the same.
            args = sorted(done[-len(operands) :], key=lambda arg: -arg[1])
            del done[-len(operands) :]
            clauses = [clause for clause, _ in args]
            combined = and_(*clauses) if isinstance(item, And) else or_(*clauses)
            done.append((combined, args[0][1] + 1))
    return done[0][0]
