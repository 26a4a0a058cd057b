"""DuckDB model SQL to Spark SQL: sqlglot's transpiler plus the rewrites it lacks, so each model is written once.

sqlglot turns most DuckDB into Spark by itself; what it passes through unchanged or changes in meaning is rewritten
here on the parsed tree (each rewrite names the difference it closes). A model whose construct has no translation
keeps a Spark file beside it, `name.spark.sql` (see SPARK_ONLY_FILES), which `spark_sql` reads instead.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import sqlglot
from sqlglot import exp

from store import MIGRATIONS_DIR

# DuckDB macros the models call (store/migrations): their bodies become Spark SQL functions of the same name
MACRO = re.compile(r"create or replace macro (\w+)\(([^)]*)\) as\s+(.*?);", re.IGNORECASE | re.DOTALL)
# a sort key DuckDB writes as '-infinity': the earliest timestamp Spark holds sorts the same (before every date)
EARLIEST_TIMESTAMP = "0001-01-01 00:00:00"


def spark_sql(path: Path) -> str:
    """The Spark SQL of a model file: its Spark-only file if it has one, else its DuckDB SQL transpiled."""
    own = path.with_name(f"{path.stem}.spark.sql")
    if own.exists():
        return own.read_text()
    return to_spark(path.read_text())


@cache
def to_spark(duckdb_sql: str, pretty: bool = True) -> str:
    """One DuckDB statement as Spark SQL."""
    tree = sqlglot.parse_one(duckdb_sql, read="duckdb")
    for rewrite in REWRITES:
        tree = tree.transform(rewrite, copy=False)
    return tree.sql(dialect="spark", pretty=pretty)


def to_spark_expression(duckdb_expression: str) -> str:
    """One DuckDB expression (a splink comparison's condition) as Spark SQL."""
    return to_spark(f"select {duckdb_expression}", pretty=False).removeprefix("SELECT").strip()


def spark_functions() -> list[str]:
    """`create temporary function` statements for the DuckDB macros of the store's migrations (the phone hints the
    staging models look readings up by), their bodies transpiled."""
    found: dict[str, tuple[str, str]] = {}
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        for name, params, body in MACRO.findall(path.read_text()):
            found[name.lower()] = (params, body)
    statements = []
    for name, (params, body) in sorted(found.items()):
        typed = ", ".join(f"{p.strip()} string" for p in params.split(","))
        statements.append(f"create or replace temporary function {name}({typed}) returns string "
                          f"return {to_spark(f'select {body}').removeprefix('SELECT').strip()}")
    return statements


# --- rewrites: each takes a node and returns it, or what replaces it ------------------------------------------

def comprehension(node: exp.Expression) -> exp.Expression:
    """[f(x) for x in list if cond] -> transform(filter(list, x -> cond), x -> f(x)): Spark has no comprehension."""
    if not (isinstance(node, exp.Array) and len(node.expressions) == 1
            and isinstance(node.expressions[0], exp.Comprehension)):
        return node
    comp = node.expressions[0]
    variable = comp.args["expression"]
    items = comp.args["iterator"]
    if comp.args.get("condition") is not None:
        items = exp.ArrayFilter(this=items, expression=lambda_of(comp.args["condition"], variable))
    this = comp.this
    if isinstance(this, exp.Column) and this.name == variable.name and not this.table:
        return items
    return exp.Transform(this=items, expression=lambda_of(this, variable))


def lambda_of(body: exp.Expression, *variables: exp.Identifier) -> exp.Lambda:
    """A lambda whose body names its variables as bare identifiers (Spark reads a column there as a column)."""
    names = {v.name for v in variables}
    body = body.copy().transform(
        lambda n: exp.to_identifier(n.name) if isinstance(n, exp.Column) and not n.table and n.name in names else n)
    return exp.Lambda(this=body, expressions=[v.copy() for v in variables])


def indexed_filter(node: exp.Expression) -> exp.Expression:
    """list_filter(l, lambda e, i: ...) counts i from 1, Spark's filter from 0; list_position -> array_position."""
    if isinstance(node, exp.ArrayFilter) and isinstance(node.expression, exp.Lambda) \
            and len(node.expression.expressions) == 2:
        index = node.expression.expressions[1].name
        node.expression.set("this", node.expression.this.transform(
            lambda n: exp.Paren(this=exp.Add(this=exp.to_identifier(index), expression=exp.Literal.number(1)))
            if isinstance(n, exp.Identifier) and n.name == index and not isinstance(n.parent, exp.Lambda)
            and not isinstance(n.parent, exp.Column) else n))
    if isinstance(node, exp.Anonymous) and node.name.lower() == "list_position":
        return exp.Anonymous(this="array_position", expressions=node.expressions)
    return node


def regexp_replace(node: exp.Expression) -> exp.Expression:
    """DuckDB replaces the first match unless told 'g', Spark every match; 'i' becomes an inline (?i)."""
    if not isinstance(node, exp.RegexpReplace):
        return node
    flags = node.args.get("modifiers")
    flags = flags.name if isinstance(flags, exp.Literal) else ""
    pattern = node.expression
    if not isinstance(pattern, exp.Literal):
        return node
    text = pattern.name
    if "i" in flags:
        text = "(?i)" + text
    replacement = node.args.get("replacement")
    if "g" not in flags and not anchored(pattern.name):
        # first match only: keep what precedes and follows it (Java regex: named groups, ${name} in the replacement)
        if not (isinstance(replacement, exp.Literal) and "$" not in replacement.name and "\\" not in replacement.name):
            raise ValueError(f"cannot translate a single regexp_replace with replacement {replacement.sql()}")
        text = f"(?s)^(?<rapportbefore>.*?)(?:{text})(?<rapportafter>.*)$"
        replacement = exp.Literal.string("${rapportbefore}" + replacement.name + "${rapportafter}")
    return exp.RegexpReplace(this=node.this, expression=exp.Literal.string(text), replacement=replacement)


def anchored(pattern: str) -> bool:
    """Whether every alternative of the pattern starts at '^': then it matches once, at most, either way."""
    return all(part.startswith("^") for part in pattern.split("|")) and "(" not in pattern


def ordered_list(node: exp.Expression) -> exp.Expression:
    """list(x order by k...) -> Spark's collect_list keeps no order: collect (keys, x), sort, keep x."""
    where = None
    if isinstance(node, exp.Filter) and isinstance(node.this, exp.ArrayAgg):
        node, where = node.this, node.expression
    if not (isinstance(node, exp.ArrayAgg) and isinstance(node.this, exp.Order)):
        return node if where is None else node.parent
    value = node.this.this
    keys = node.this.expressions
    fields = [exp.PropertyEQ(this=exp.to_identifier(f"k{i}"), expression=k.this.copy()) for i, k in enumerate(keys)]
    fields.append(exp.PropertyEQ(this=exp.to_identifier("v"), expression=value.copy()))
    collected = exp.ArrayAgg(this=exp.Struct(expressions=fields))
    if where is not None:
        collected = exp.Filter(this=collected, expression=where.copy())
    # parsed whole: a lambda alone reads as JSON's -> operator
    sorted_ = sqlglot.parse_one(f"transform(array_sort(rapport_collected, {comparator_sql(keys)}), s -> s.v)",
                                read="spark")
    return sorted_.transform(
        lambda n: collected if isinstance(n, exp.Column) and n.name == "rapport_collected" else n)


def comparator_sql(keys: list[exp.Ordered]) -> str:
    """A Spark array_sort comparator over struct fields k0, k1, ... in DuckDB's order (nulls last by default)."""
    cases = []
    for i, key in enumerate(keys):
        left, right = f"l.k{i}", f"r.k{i}"
        less, more = ("1", "-1") if key.args.get("desc") else ("-1", "1")
        nulls_first = bool(key.args.get("nulls_first"))
        null_l, null_r = ("-1", "1") if nulls_first else ("1", "-1")
        cases.append(f"when {left} is null and {right} is not null then {null_l} "
                     f"when {left} is not null and {right} is null then {null_r} "
                     f"when {left} < {right} then {less} when {left} > {right} then {more}")
    return f"(l, r) -> case {' '.join(cases)} else 0 end"


def ordered_mode(node: exp.Expression) -> exp.Expression:
    """mode(x order by x): a tie goes to the lowest, which Spark's mode(x, true) gives."""
    if isinstance(node, exp.Mode) and isinstance(node.this, exp.Order):
        order = node.this.expressions
        if len(order) == 1 and order[0].this == node.this.this and not order[0].args.get("desc"):
            return exp.Anonymous(this="mode", expressions=[node.this.this, exp.true()])
        raise ValueError(f"cannot translate {node.sql('duckdb')}")
    return node


def union_by_name(node: exp.Expression) -> exp.Expression:
    """union all by name -> by position: Spark SQL has no BY NAME. The models list the columns of each side in one
    order (the equality tests would show a model that does not)."""
    if isinstance(node, exp.Union) and node.args.get("by_name"):
        node.set("by_name", None)
    return node


def boundary_date_diff(node: exp.Expression) -> exp.Expression:
    """DuckDB's date_diff counts unit boundaries crossed (10:00:59 -> 10:01:00 is a minute), Spark's whole units
    elapsed: truncate both ends to the unit first."""
    if isinstance(node, exp.DateDiff) and node.args.get("date_part_boundary"):
        unit = node.args["unit"].name.lower()
        trunc = [exp.Anonymous(this="date_trunc", expressions=[exp.Literal.string(unit), side.copy()])
                 for side in (node.expression, node.this)]
        return exp.Anonymous(this="timestampdiff", expressions=[exp.var(unit.upper()), *trunc])
    return node


def infinity(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Cast) and isinstance(node.this, exp.Literal) and node.this.name == "-infinity":
        return exp.cast(exp.Literal.string(EARLIEST_TIMESTAMP), node.to.copy())
    return node


def json_array(node: exp.Expression) -> exp.Expression:
    """json_array(a, b, ...) of mixed types: each value as Spark writes it inside a JSON array, joined."""
    if not isinstance(node, exp.JSONArray):
        return node
    parts = []
    for value in node.expressions:
        written = f"to_json(array({value.sql('spark')}))"
        parts.append(f"substring({written}, 2, length({written}) - 2)")
    return sqlglot.parse_one(f"concat('[', concat_ws(',', {', '.join(parts)}), ']')", read="spark")


def tuple_in_subquery(node: exp.Expression) -> exp.Expression:
    """(a, b) in (select (a, b) ...): Spark compares the columns of the subquery, not one struct."""
    if isinstance(node, exp.In) and isinstance(node.this, exp.Tuple) and node.args.get("query"):
        select = node.args["query"].this
        if isinstance(select, exp.Select) and len(select.expressions) == 1 \
                and isinstance(select.expressions[0], exp.Tuple):
            select.set("expressions", select.expressions[0].expressions)
    return node


def jaro_winkler(node: exp.Expression) -> exp.Expression:
    """jaro_winkler_similarity -> jaro_winkler, DuckDB's own function registered with the Spark session
    (models.engines.spark_engine.duckdb_jaro_winkler)."""
    if isinstance(node, exp.JarowinklerSimilarity):
        return exp.Anonymous(this="jaro_winkler", expressions=[node.this, node.expression])
    return node


def arrays_overlap(node: exp.Expression) -> exp.Expression:
    """list_has_any: sqlglot writes Spark's && operator, which splink's parser (and older Sparks) refuse."""
    if isinstance(node, exp.ArrayOverlaps):
        return exp.Anonymous(this="arrays_overlap", expressions=[node.this, node.expression])
    return node


def any_value(node: exp.Expression) -> exp.Expression:
    """DuckDB's any_value passes over NULLs; Spark's does when told so (its IGNORE NULLS form does not parse under
    FILTER)."""
    if isinstance(node, exp.IgnoreNulls) and isinstance(node.this, exp.AnyValue):
        node = node.this
    if isinstance(node, exp.AnyValue):
        return exp.Anonymous(this="any_value", expressions=[node.this, exp.true()])
    return node


def quantile_cont(node: exp.Expression) -> exp.Expression:
    """quantile_cont(x, q) -> percentile(x, q): both interpolate between the two nearest values."""
    if isinstance(node, exp.PercentileCont) and node.expression is not None:
        return exp.Anonymous(this="percentile", expressions=[node.this, node.expression])
    return node


def arg_extreme(node: exp.Expression) -> exp.Expression:
    """arg_max / arg_min pass over rows whose value or key is NULL in DuckDB; Spark's max_by / min_by take them:
    filter them out (and with the aggregate's own filter)."""
    where = None
    if isinstance(node, exp.Filter) and isinstance(node.this, (exp.ArgMax, exp.ArgMin)):
        node, where = node.this, node.expression.this
    elif not isinstance(node, (exp.ArgMax, exp.ArgMin)) or isinstance(node.parent, exp.Filter):
        return node
    present = exp.and_(exp.Not(this=exp.Is(this=node.this.copy(), expression=exp.null())),
                       exp.Not(this=exp.Is(this=node.expression.copy(), expression=exp.null())))
    condition = present if where is None else exp.and_(exp.Paren(this=where.copy()), present)
    return exp.Filter(this=node.copy(), expression=exp.Where(this=condition))


def double_rounding(node: exp.Expression) -> exp.Expression:
    """round(x, n) of a double: DuckDB computes round(x * 10^n) / 10^n, Spark rounds the double's shortest decimal
    form (0.285 -> 0.29 on Spark, 0.28 on DuckDB; a link's evidence shows rounded numbers). Written out DuckDB's way,
    each engine rounds a whole number half away from zero and divides the same. A decimal (a cast to one) is rounded
    exactly by both and left as it is."""
    places = node.args.get("decimals") if isinstance(node, exp.Round) else None
    if not (isinstance(places, exp.Literal) and not places.is_string and int(places.name) > 0):
        return node
    if isinstance(node.this, exp.Cast) and node.this.to.this == exp.DataType.Type.DECIMAL:
        return node
    scale = exp.Literal.number(10 ** int(places.name))
    whole = exp.Round(this=exp.Mul(this=exp.Paren(this=node.this.copy()), expression=scale.copy()))
    return exp.Paren(this=exp.Div(this=exp.cast(whole, "double"), expression=scale))


def double_division(node: exp.Expression) -> exp.Expression:
    """DuckDB's / gives a double for integers and decimals alike; Spark divides decimals as decimals (98.67 to 11
    places instead of 98.66666666666667)."""
    if isinstance(node, exp.Div) and not isinstance(node.this, exp.Cast):
        node.set("this", exp.cast(node.this.copy(), "double"))
    return node


REWRITES = (comprehension, indexed_filter, regexp_replace, ordered_list, ordered_mode, union_by_name,
            boundary_date_diff, infinity, json_array, tuple_in_subquery, jaro_winkler,
            any_value, quantile_cont, arg_extreme, arrays_overlap, double_rounding, double_division)
