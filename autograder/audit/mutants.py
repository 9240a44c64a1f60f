"""Mutants of a reference solution, made inside its solution regions only.

Each mutant changes one AST node of the reference: the plausible slips of a student (an operator
or comparison swapped, a constant off by one, an axis or ``keepdims`` flipped, ``sum`` for
``mean``, a ``.copy()`` or transpose dropped, a statement dropped, two arguments swapped).
Mutation-testing libraries (mutmut, cosmic-ray) mutate in place and only report "killed or not"
per test command; the audit needs per-test points for each mutant and array-specific operators,
so mutants are made here with the standard ``ast`` module and graded by the normal grader.
"""
from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass
from typing import Callable, Iterator

from ..release import BEGIN, END

BINOP_SWAPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
               ast.FloorDiv: ast.Div, ast.Pow: ast.Mult, ast.Mod: ast.FloorDiv}
COMPARE_SWAPS = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
                 ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
                 ast.In: ast.NotIn, ast.NotIn: ast.In}
SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
           ast.Pow: "**", ast.Mod: "%", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
           ast.Eq: "==", ast.NotEq: "!=", ast.Is: "is", ast.IsNot: "is not", ast.In: "in",
           ast.NotIn: "not in", ast.And: "and", ast.Or: "or"}
#: function/method names a student confuses with each other
NAME_SWAPS = {"sum": "mean", "mean": "sum", "max": "min", "min": "max", "amax": "amin",
              "amin": "amax", "maximum": "minimum", "minimum": "maximum", "argmax": "argmin",
              "argmin": "argmax", "ceil": "floor", "floor": "ceil", "zeros_like": "ones_like",
              "ones_like": "zeros_like", "zeros": "ones", "ones": "zeros"}
AXIS_KEYWORDS = ("axis", "dim")
KEEPDIMS_KEYWORDS = ("keepdims", "keepdim")
COPY_METHODS = ("copy", "clone")
TRANSPOSE_METHODS = ("t", "transpose")
#: calls whose first two arguments commute: swapping them is no mutant
COMMUTATIVE = {"maximum", "minimum", "add", "multiply", "max", "min", "hypot", "logaddexp",
               "allclose", "isclose", "array_equal", "equal", "zip", "dict", "print"}
SIMPLE_STATEMENTS = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.Raise)


@dataclass(frozen=True)
class Mutant:
    """One mutant: ``key`` is stable under line moves (function, statement before => after)."""
    ident: str  # m001, ...
    function: str  # qualified name of the enclosing def, e.g. "MLP.loss"
    line: int
    operator: str
    description: str
    key: str
    source: str  # the whole mutated module
    diff: str


def solution_lines(source: str) -> set[int]:
    """1-based numbers of the lines inside solution regions (markers excluded)."""
    inside, lines = False, set()
    for number, text in enumerate(source.splitlines(), start=1):
        if BEGIN.match(text):
            inside = True
        elif END.match(text):
            inside = False
        elif inside:
            lines.add(number)
    return lines


def _unparse_line(node: ast.AST) -> str:
    return " ".join(ast.unparse(node).split())


def _call_name(call: ast.Call) -> str | None:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None


def _is_docstring(node: ast.AST, parent: ast.AST | None) -> bool:
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str))


# ---------------------------------------------------------------- operators
# Each operator: node -> list of (description, replacement); replacement None drops a statement.
Replacement = tuple[str, "ast.AST | None"]


def _binop(node) -> list[Replacement]:
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.MatMult):
            return [("swap the operands of @",
                     ast.BinOp(left=node.right, op=node.op, right=node.left))]
        new = BINOP_SWAPS.get(type(node.op))
        if new:
            return [(f"{SYMBOLS[type(node.op)]} -> {SYMBOLS[new]}",
                     ast.BinOp(left=node.left, op=new(), right=node.right))]
    if isinstance(node, ast.AugAssign):
        new = BINOP_SWAPS.get(type(node.op))
        if new:
            return [(f"{SYMBOLS[type(node.op)]}= -> {SYMBOLS[new]}=",
                     ast.AugAssign(target=node.target, op=new(), value=node.value))]
    return []


def _compare(node) -> list[Replacement]:
    if not isinstance(node, ast.Compare):
        return []
    out = []
    for i, op in enumerate(node.ops):
        new = COMPARE_SWAPS.get(type(op))
        if new:
            ops = list(node.ops)
            ops[i] = new()
            out.append((f"{SYMBOLS[type(op)]} -> {SYMBOLS[new]}",
                        ast.Compare(left=node.left, ops=ops, comparators=node.comparators)))
    return out


def _boolean(node) -> list[Replacement]:
    if isinstance(node, ast.BoolOp):
        new = ast.Or if isinstance(node.op, ast.And) else ast.And
        return [(f"{SYMBOLS[type(node.op)]} -> {SYMBOLS[new]}", ast.BoolOp(op=new(), values=node.values))]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.Not)):
        return [(f"drop the unary {'-' if isinstance(node.op, ast.USub) else 'not'}", node.operand)]
    return []


def _constant(node) -> list[Replacement]:
    if (isinstance(node, ast.Constant) and isinstance(node.value, (int, float))
            and not isinstance(node.value, bool)):
        new = node.value + 1
        return [(f"constant {node.value!r} -> {new!r}", ast.Constant(new))]
    return []


def _keyword(node) -> list[Replacement]:
    if not (isinstance(node, ast.keyword) and isinstance(node.value, ast.Constant)):
        return []
    value = node.value.value
    if node.arg in AXIS_KEYWORDS and isinstance(value, int) and not isinstance(value, bool):
        new = {0: 1, 1: 0, -1: 0}.get(value, 0)
        return [(f"{node.arg}={value} -> {node.arg}={new}", ast.keyword(node.arg, ast.Constant(new)))]
    if node.arg in KEEPDIMS_KEYWORDS and isinstance(value, bool):
        return [(f"{node.arg}={value} -> {node.arg}={not value}",
                 ast.keyword(node.arg, ast.Constant(not value)))]
    return []


def _names(node) -> list[Replacement]:
    if isinstance(node, ast.Call):
        f = node.func
        if isinstance(f, ast.Attribute) and f.attr in NAME_SWAPS:
            return [(f"{f.attr} -> {NAME_SWAPS[f.attr]}", ast.Call(
                func=ast.Attribute(value=f.value, attr=NAME_SWAPS[f.attr], ctx=ast.Load()),
                args=node.args, keywords=node.keywords))]
        if isinstance(f, ast.Name) and f.id in ("max", "min"):
            return [(f"{f.id} -> {NAME_SWAPS[f.id]}", ast.Call(
                func=ast.Name(NAME_SWAPS[f.id], ast.Load()), args=node.args, keywords=node.keywords))]
    return []


def _dropped_call(node) -> list[Replacement]:
    """``x.copy()`` / ``x.clone()`` / ``x.t()`` / ``x.transpose(..)`` -> ``x``; ``x.T`` -> ``x``."""
    if isinstance(node, ast.Attribute) and node.attr == "T" and isinstance(node.ctx, ast.Load):
        return [("drop .T", node.value)]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        attr = node.func.attr
        if attr in COPY_METHODS and not node.args and not node.keywords:
            return [(f"drop .{attr}()", node.func.value)]
        if attr in TRANSPOSE_METHODS:
            return [(f"drop .{attr}()", node.func.value)]
    return []


def _swapped_args(node) -> list[Replacement]:
    if (isinstance(node, ast.Call) and len(node.args) >= 2
            and not any(isinstance(a, ast.Starred) for a in node.args[:2])
            and _call_name(node) not in COMMUTATIVE
            and ast.dump(node.args[0]) != ast.dump(node.args[1])):
        args = [node.args[1], node.args[0], *node.args[2:]]
        return [(f"swap the first two arguments of {_call_name(node) or 'a call'}",
                 ast.Call(func=node.func, args=args, keywords=node.keywords))]
    return []


def _statement(node) -> list[Replacement]:
    if isinstance(node, SIMPLE_STATEMENTS) and not _is_docstring(node, None):
        return [("drop the statement", None)]
    return []


OPERATORS: dict[str, Callable[[ast.AST], list[Replacement]]] = {
    "operator": _binop, "comparison": _compare, "boolean": _boolean, "constant": _constant,
    "axis": _keyword, "reduction": _names, "dropped-call": _dropped_call,
    "swapped-args": _swapped_args, "statement": _statement}


# ---------------------------------------------------------------- walking
def _parents(tree: ast.AST) -> dict[int, ast.AST]:
    return {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _qualname(node: ast.AST, parents: dict[int, ast.AST]) -> str:
    """``Class.method`` or ``function`` enclosing ``node``; a def nested in a function belongs
    to that function."""
    chain = []
    while id(node) in parents:
        node = parents[id(node)]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            chain.append(node)
    names = []
    for definition in reversed(chain):
        names.append(definition.name)
        if not isinstance(definition, ast.ClassDef):
            break
    return ".".join(names) or "<module>"


def _statement_of(node: ast.AST, parents: dict[int, ast.AST]) -> ast.AST:
    while not isinstance(node, ast.stmt) and id(node) in parents:
        node = parents[id(node)]
    return node


def _in_region(node: ast.AST, lines: set[int]) -> bool:
    start = getattr(node, "lineno", None)
    end = getattr(node, "end_lineno", start)
    return start is not None and all(n in lines for n in range(start, end + 1))


def _inside_exception_message(node: ast.AST, parents: dict[int, ast.AST]) -> bool:
    """Constants in ``raise X(...)`` messages and f-strings are not behaviour."""
    while id(node) in parents:
        node = parents[id(node)]
        if isinstance(node, (ast.JoinedStr, ast.Raise)):
            return True
        if isinstance(node, ast.stmt):
            return False
    return False


class _Swap:
    """Puts ``replacement`` (``pass`` for None) where ``target`` is in ``parent`` for the time of
    a ``with`` block, then restores it: mutating in place avoids copying the tree per mutant."""

    def __init__(self, parent: ast.AST, target: ast.AST, replacement: ast.AST | None):
        self.parent, self.target = parent, target
        self.replacement = ast.Pass() if replacement is None else replacement
        for field, value in ast.iter_fields(parent):
            if value is target or (isinstance(value, list) and any(v is target for v in value)):
                self.field = field
                break

    def _put(self, old, new):
        value = getattr(self.parent, self.field)
        setattr(self.parent, self.field,
                [new if v is old else v for v in value] if isinstance(value, list) else new)

    def __enter__(self):
        self._put(self.target, self.replacement)
        ast.fix_missing_locations(self.replacement)
        return self.replacement

    def __exit__(self, *exc):
        self._put(self.replacement, self.target)


def generate(source: str, operators=tuple(OPERATORS)) -> Iterator[Mutant]:
    """Every mutant of ``source`` inside its solution regions, in a stable order."""
    tree = ast.parse(source)
    lines = solution_lines(source)
    parents = _parents(tree)
    original = ast.unparse(tree).splitlines(keepends=True)
    candidates = [node for node in ast.walk(tree)
                  if _in_region(node, lines) and not _inside_exception_message(node, parents)
                  and not (isinstance(node, ast.Constant)  # axis=/keepdims= have their own operator
                           and isinstance(parents.get(id(node)), ast.keyword))]
    seen: dict[str, int] = {}
    count = 0
    for node in candidates:
        statement = _statement_of(node, parents)
        function = _qualname(node, parents)
        before = _unparse_line(statement)
        for op_name in operators:
            for description, replacement in OPERATORS[op_name](node):
                with _Swap(parents[id(node)], node, replacement) as new:
                    text = ast.unparse(tree)
                    after = _unparse_line(new if statement is node else statement)
                try:
                    compile(text, "<mutant>", "exec")
                except (SyntaxError, ValueError):
                    continue
                key = f"{function}: {before} => {after}"
                seen[key] = seen.get(key, 0) + 1
                if seen[key] > 1:
                    key += f" #{seen[key]}"
                count += 1
                diff = "".join(difflib.unified_diff(
                    original, text.splitlines(keepends=True), "reference", "mutant", n=1))
                yield Mutant(f"m{count:03d}", function, node.lineno, op_name, description, key,
                             text + "\n", diff)
