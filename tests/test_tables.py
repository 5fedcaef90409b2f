"""Tables (`check`, `incidents list`) through rich: coloured at a terminal (exact bytes in a pty), and elsewhere the
plain two-space columns scripts read, the same text `render.table.format_table` gives for any table."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pexpect
from hypothesis import given
from hypothesis import strategies as st

from reconciler.cli.tables import plain_table
from reconciler.render.table import format_table

RECONCILER = str(Path(sys.executable).with_name("reconciler"))
PAD = "\x1b[1m \x1b[0m\x1b[1m \x1b[0m"  # the two spaces between bold header cells
OK = "\x1b[32mok\x1b[0m     "
MISSING = "\x1b[31mmissing\x1b[0m"
CHECK_COLOURED = [
    f"\x1b[1mScope                \x1b[0m{PAD}\x1b[1mStatus \x1b[0m{PAD}"
    "\x1b[1mNeeded for                             \x1b[0m",
    f"severities.view        {OK}  severity names (routes, incidents)     ",
    f"alert_routes.view      {OK}  reading live routes (plan, drift)      ",
    f"alert_sources.view     {OK}  alert source names                     ",
    f"alert_schema.view      {OK}  alert attribute names                  ",
    f"escalation_paths.view  {OK}  escalation path names                  ",
    f"incident_types.view    {OK}  incident type names (routes, incidents)",
    f"custom_fields.view     {OK}  custom field names                     ",
    f"users.view             {OK}  user emails in escalation targets      ",
    f"catalog_entries.view   {OK}  team names                             ",
    f"alert_route.create     {MISSING}  apply: new routes                      ",
    f"alert_route.update     {MISSING}  apply: changed routes                  ",
    f"alert_route.destroy    {MISSING}  apply: deleted routes                  ",
    "Missing scopes for `reconciler apply`: alert_route.create, alert_route.update, alert_route.destroy. "
    "Add them to the key, or create a new key under Settings > API keys with them.",
    "",
]


def _check_in_pty(tmp_path: Path, **env: str) -> list[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "INCIDENT_IO_API_KEY")}
    base |= {"TERM": "xterm", "COLUMNS": "120", "INCIDENT_IO_API_KEY": "example-readonly", **env}
    child = pexpect.spawn(
        RECONCILER, ["check", "--emulator", "--for", "apply"], cwd=str(tmp_path), env=base, encoding="utf-8"
    )
    output = str(child.read())
    child.close()
    assert child.exitstatus == 1
    return output.split("\r\n")


def test_check_at_a_terminal_has_a_bold_header_and_coloured_states(tmp_path: Path) -> None:
    assert _check_in_pty(tmp_path) == CHECK_COLOURED


def test_check_at_a_terminal_with_no_color_is_the_plain_table(tmp_path: Path) -> None:
    lines = _check_in_pty(tmp_path, NO_COLOR="1")
    assert lines[:2] == [
        "Scope                  Status   Needed for",
        "severities.view        ok       severity names (routes, incidents)",
    ]
    assert not any("\x1b" in line for line in lines)


CELL = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=12)


@given(
    st.integers(1, 4).flatmap(
        lambda n: st.tuples(
            st.lists(CELL, min_size=n, max_size=n), st.lists(st.lists(CELL, min_size=n, max_size=n), max_size=5)
        )
    )
)
def test_off_a_terminal_a_table_is_the_plain_columns(table: tuple[list[str], list[list[str]]]) -> None:
    headers, rows = table
    assert plain_table(headers, rows) == format_table(headers, rows)
