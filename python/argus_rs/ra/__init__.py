"""The printing half of ``argus-rs ra``: flow-record DataFrames rendered as the
text real ``ra`` (Argus 3.0.8.2) prints: field table, ``-s`` lists, header
and record lines."""

from .fields import DEFAULT_FIELDS, FIELD_NAMES, FieldSpec, field, parse_field_list
from .render import PrintOptions, header_line, render_lines, render_values, supported_fields

__all__ = [
    "DEFAULT_FIELDS",
    "FIELD_NAMES",
    "FieldSpec",
    "PrintOptions",
    "field",
    "header_line",
    "parse_field_list",
    "render_lines",
    "render_values",
    "supported_fields",
]
