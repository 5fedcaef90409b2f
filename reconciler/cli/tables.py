"""Tables for `check` and `incidents list`, laid out by rich.

At a terminal the header is bold, chosen cells are coloured and long cells wrap to the terminal's width. Anywhere
else (a pipe, a file, a CI log, NO_COLOR, --no-color) the same rich table is written without colour or wrapping, as
left-aligned columns two spaces apart with no trailing spaces: exactly `render.table.format_table`'s text, so what
scripts and tests read does not depend on rich's version of a terminal.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Sequence

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from reconciler.cli import style

CellStyle = Callable[[int, str], str]  # (column index, cell text) -> a rich style, "" for none


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], cell_style: CellStyle | None, color: bool) -> Table:
    """The rich table; cells are `Text`, never markup, so a `[` or `\\` in a name is shown as it is."""
    table = Table(box=None, pad_edge=False, padding=(0, 1), header_style="bold" if color else "", show_edge=False)
    for header in headers:
        table.add_column(Text(header), no_wrap=not color)
    for row in rows:
        cells = [str(cell) for cell in row]
        styles = [cell_style(i, c) if color and cell_style is not None else "" for i, c in enumerate(cells)]
        table.add_row(*(Text.assemble((cell, style)) for cell, style in zip(cells, styles, strict=True)))
    return table


def plain_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """The table as plain text through rich: columns two spaces apart, no trailing spaces, no final newline."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=1_000_000, color_system=None, force_terminal=False, soft_wrap=False)
    console.print(_table(headers, rows, None, color=False))
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines())


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]], cell_style: CellStyle | None = None) -> None:
    """Print the table on stdout: coloured by `cell_style` at a terminal (see `style.use_color`), plain elsewhere."""
    if not style.use_color(sys.stdout):
        click.echo(plain_table(headers, rows))
        return
    console = Console(file=sys.stdout, force_terminal=True, color_system="standard", highlight=False)
    console.print(_table(headers, rows, cell_style, color=True))
