"""Mapping files (TOML): which column or JSON path of a foreign export feeds each canonical field, and how."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from connectors.schema import Kind
from connectors.schema import kind as find_kind

MAPPINGS_DIR = Path(__file__).resolve().parent / "mappings"
FORMATS = ("csv", "json", "jsonl", "parquet")
# "auto": the last "." or "," is the decimal mark when one or two digits follow it, any other is a thousands mark;
# for exports whose numbers follow a setting of the shop (WooCommerce order exports write "12.50" or "1.234,56").
DECIMAL_MARKS = (".", ",", "auto")
SOURCE_SETTINGS = {"column", "join", "value", "multiply", "map", "format", "decimal", "same_for", "fill_down_by",
                   "unreadable"}


class MappingError(ValueError):
    """A mapping file that cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class FieldSource:
    """Where one canonical field's value comes from in a foreign record."""

    columns: tuple[str, ...] = ()  # first non-empty wins, or all joined with `join`
    join: str | None = None
    value: str | None = None  # a constant
    multiply: tuple[str, ...] = ()  # the product of these numeric columns
    map: dict[str, str] = field(default_factory=dict)  # foreign value (any case) -> canonical value
    formats: tuple[str, ...] = ()  # strptime formats for dates and timestamps
    decimal: str = "."  # decimal mark of money columns: ".", ",", or "auto" (see DECIMAL_MARKS)
    # Exports such as Shopify's fill order-level columns on an order's first line only: with same_for = "Name",
    # every row takes the first non-empty value among the rows with the same Name.
    same_for: str | None = None
    # Exports such as WooCommerce's (products as rows, "populate other columns" off) leave every order column empty
    # on an order's later lines, the order number too: with fill_down_by = "Order Number", a row without an order
    # number takes this field from the last row above that has one (its value there, even when that is empty).
    fill_down_by: str | None = None
    # "empty": a value that cannot be read (a date such as 19371233) loads as empty instead of refusing the row, for
    # optional fields an export fills carelessly; "refuse" (the default) quarantines the row
    unreadable: str = "refuse"

    @property
    def referenced_columns(self) -> tuple[str, ...]:
        return self.columns + self.multiply


@dataclass(frozen=True)
class Mapping:
    """A parsed, validated mapping: the kind it loads, a default source name, and a source per field."""

    kind: Kind
    fields: dict[str, FieldSource]
    name: str = "canonical"
    source: str | None = None
    format: str | None = None
    records: str | None = None  # JSON documents: the dotted path of the array of records
    delimiter: str | None = None
    description: str = ""


def canonical_mapping(kind: Kind) -> Mapping:
    """The mapping used without a mapping file: each field from the column of the same name."""
    return Mapping(kind=kind, fields={f.name: FieldSource(columns=(f.name,)) for f in kind.fields})


def resolve_mapping_path(name_or_path: str | Path) -> Path:
    """A mapping given as a path, or as the name of one shipped in connectors/mappings."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        return path
    shipped = MAPPINGS_DIR / f"{name_or_path}.toml"
    if shipped.exists():
        return shipped
    names = ", ".join(sorted(p.stem for p in MAPPINGS_DIR.glob("*.toml")))
    raise MappingError(f"mapping {str(name_or_path)!r} not found: not a file, nor a shipped mapping ({names})")


def load_mapping(name_or_path: str | Path, kind_name: str | None = None) -> Mapping:
    """Read and validate a mapping file; `kind_name`, if given, must agree with the file's kind."""
    path = resolve_mapping_path(name_or_path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise MappingError(f"mapping {path}: {exc}") from None
    return parse_mapping(doc, path, kind_name)


def parse_mapping(doc: dict, path: Path, kind_name: str | None = None) -> Mapping:
    """Validate a parsed mapping document, raising MappingError with the file and field at fault."""
    where = f"mapping {path}"
    declared = doc.get("kind")
    if not isinstance(declared, str):
        raise MappingError(f"{where}: missing 'kind = \"...\"'")
    if kind_name and kind_name != declared:
        raise MappingError(f"{where}: this mapping is for kind {declared!r}, not {kind_name!r}")
    try:
        kind = find_kind(declared)
    except ValueError as exc:
        raise MappingError(f"{where}: {exc}") from None
    fmt = doc.get("format")
    if fmt is not None and fmt not in FORMATS:
        raise MappingError(f"{where}: format {fmt!r} is not one of {', '.join(FORMATS)}")
    unknown = set(doc) - {"kind", "source", "format", "records", "delimiter", "description", "fields"}
    if unknown:
        raise MappingError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}")
    fields = doc.get("fields")
    if not isinstance(fields, dict) or not fields:
        raise MappingError(f"{where}: needs a [fields] table mapping canonical fields to columns")
    return Mapping(
        kind=kind,
        fields={name: parse_field_source(name, spec, kind, where) for name, spec in fields.items()},
        name=path.stem,
        source=doc.get("source"),
        format=fmt,
        records=doc.get("records"),
        delimiter=doc.get("delimiter"),
        description=doc.get("description", ""),
    )


def parse_field_source(name: str, spec, kind: Kind, where: str) -> FieldSource:
    """One `[fields]` entry: a column name, a list of fallback columns, or a table of settings."""
    if name not in kind.field_names:
        raise MappingError(f"{where}: field {name!r} is not a {kind.name} field; expected one of "
                           f"{', '.join(kind.field_names)}")
    if isinstance(spec, str):
        return FieldSource(columns=(spec,))
    if isinstance(spec, list) and spec and all(isinstance(c, str) for c in spec):
        return FieldSource(columns=tuple(spec))
    if not isinstance(spec, dict):
        raise MappingError(f"{where}: field {name!r} must be a column name, a list of columns or a table")
    unknown = set(spec) - SOURCE_SETTINGS
    if unknown:
        raise MappingError(f"{where}: field {name!r} has unknown setting(s) {', '.join(sorted(unknown))}; "
                           f"expected {', '.join(sorted(SOURCE_SETTINGS))}")
    source = FieldSource(
        columns=_strings(spec.get("column", ()), name, "column", where),
        join=spec.get("join"),
        value=None if spec.get("value") is None else str(spec["value"]),
        multiply=_strings(spec.get("multiply", ()), name, "multiply", where),
        map={str(k).lower(): str(v) for k, v in spec.get("map", {}).items()},
        formats=_strings(spec.get("format", ()), name, "format", where),
        decimal=spec.get("decimal", "."),
        same_for=spec.get("same_for"),
        fill_down_by=_optional_string(spec.get("fill_down_by"), name, "fill_down_by", where),
        unreadable=spec.get("unreadable", "refuse"),
    )
    if sum(bool(x) for x in (source.columns, source.value is not None, source.multiply)) != 1:
        raise MappingError(f"{where}: field {name!r} needs exactly one of 'column', 'value' or 'multiply'")
    if source.same_for and source.fill_down_by:
        raise MappingError(f"{where}: field {name!r}: use 'same_for' or 'fill_down_by', not both")
    if source.decimal not in DECIMAL_MARKS:
        raise MappingError(f"{where}: field {name!r}: decimal must be '.', ',' or 'auto', not {source.decimal!r}")
    if source.unreadable not in ("refuse", "empty"):
        raise MappingError(f"{where}: field {name!r}: unreadable must be 'refuse' or 'empty'")
    if source.unreadable == "empty" and kind.field(name).required:
        raise MappingError(f"{where}: field {name!r} is required: an unreadable value cannot load as empty")
    return source


def _strings(value, name: str, setting: str, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise MappingError(f"{where}: field {name!r}: {setting!r} must be a string or a list of strings")


def _optional_string(value, name: str, setting: str, where: str) -> str | None:
    if value is None or (isinstance(value, str) and value.strip()):
        return value
    raise MappingError(f"{where}: field {name!r}: {setting!r} must be the name of a column")
