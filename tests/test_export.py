"""Export file names: slugs that stay inside the folder and stay unique (RELIABILITY.md S8)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.errors import ConfigError
from reconciler.run.export import safe_path, slack_channel_labels, slugify, unique_stems, write_files

HOSTILE = [
    "../../.github/workflows/x",
    "/etc/passwd",
    "..",
    ".",
    "a/b",
    "CON",
    "nul",
    "com1",
    "x\x00y",
    "evil\u202egnp.yaml",
    "é" * 5 + " café",
    "x" * 300,
    "Foo",
    "foo",
    "FOO",
    "",
    "   ",
    "C:\\Windows\\system32",
    "~/.ssh/authorized_keys",
]


def test_slugs() -> None:
    assert slugify("Production Alerts") == "production-alerts"
    assert slugify("../../.github/workflows/x") == "github-workflows-x"
    assert slugify("CON") == "con-route"
    assert slugify("") == "route"
    assert slugify("x\x00y") == "x-y"
    assert slugify("evil\u202egnp.yaml") == "evilgnp-yaml"
    assert slugify("Café Ünïcode") == "cafe-unicode"
    assert len(slugify("x" * 300)) == 100


def test_hostile_names_land_inside_the_folder_and_stay_unique(tmp_path: Path) -> None:
    routes = [{"id": f"01ROUTE{i:06d}", "name": name} for i, name in enumerate(HOSTILE)]
    stems = unique_stems(routes, taken=["channels"])
    names = [f"{stem}.yaml" for stem in stems.values()]
    assert len({n.lower() for n in names}) == len(routes)
    out = tmp_path / "out"
    written = write_files(out, {n: "x\n" for n in names}, overwrite=False)
    assert len(written) == len(routes)
    everything = {p for p in tmp_path.rglob("*")}
    assert everything == {out, *written}
    for name in names:
        assert len(name) <= 105 and name.split(".")[0] not in {"con", "nul", "com1"}


@given(st.lists(st.text(max_size=120), max_size=30))
def test_any_names_give_unique_safe_stems(names: list[str]) -> None:
    routes = [{"id": f"ID{i}", "name": name} for i, name in enumerate(names)]
    stems = unique_stems(routes, taken=["channels"])
    values = list(stems.values())
    assert len({v.lower() for v in values}) == len(values)
    assert "channels" not in values
    for stem in values:
        assert stem and len(stem) <= 100 and set(stem) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")


@pytest.mark.parametrize("name", ["../x.yaml", "/etc/passwd", ".hidden", "a/b", "a\\b", "x\x00", "", ".."])
def test_safe_path_refuses(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigError):
        safe_path(tmp_path, name)


def test_existing_files_are_not_overwritten(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("mine\n")
    with pytest.raises(ConfigError, match="--overwrite"):
        write_files(tmp_path, {"a.yaml": "theirs\n", "b.yaml": "b\n"}, overwrite=False)
    assert (tmp_path / "a.yaml").read_text() == "mine\n"
    assert not (tmp_path / "b.yaml").exists()
    write_files(tmp_path, {"a.yaml": "theirs\n"}, overwrite=True)
    assert (tmp_path / "a.yaml").read_text() == "theirs\n"


def test_a_symlink_is_never_written_through(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("safe\n")
    folder = tmp_path / "out"
    folder.mkdir()
    os.symlink(outside, folder / "a.yaml")
    with pytest.raises(ConfigError):
        write_files(folder, {"a.yaml": "evil\n"}, overwrite=True)
    assert outside.read_text() == "safe\n"


def test_channel_labels_from_live() -> None:
    live = [
        {
            "channel_config": [
                {"slack_targets": {"binding": {"array_value": [{"label": "#alerts", "literal": "C07ALERTS01"}]}}},
                {"slack_targets": {"binding": {"value": {"label": "C0NOLABEL1", "literal": "C0NOLABEL1"}}}},
                {"ms_teams_targets": {"binding": {"value": {"label": "#teams", "literal": "19:x"}}}},
            ]
        }
    ]
    assert slack_channel_labels(live) == {"#alerts": "C07ALERTS01"}
