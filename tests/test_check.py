"""The check's probe plan and how outcomes become rows: severities first, 401/5xx stop, 403 is "missing"."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.api.errors import ApiError, describe
from reconciler.run.probes import (
    NO_SUCH_ROUTE,
    PROBES,
    PURPOSES,
    SEVERITIES,
    Purpose,
    interpret,
    missing_scopes,
    probes_for,
    run_probes,
    severities_forbidden,
)

PROBED = list(PROBES)
STATUSES = [None, 400, 401, 403, 404, 422, 500, 503]


class Fake:
    """Answers each probe's request with the status chosen for its method and path (None: success)."""

    def __init__(self, statuses: dict[tuple[str, str], int | None]) -> None:
        self.statuses = statuses
        self.sent: list[tuple[str, str]] = []

    async def request(self, method: str, path: str, *, params: Any = None, json: Any = None) -> Any:
        self.sent.append((method, path))
        await asyncio.sleep(0)
        status = self.statuses.get((method, path))
        if status is None:
            return {}
        raise describe(status, method, path, code="x", field="f")


def by_request(scopes: dict[str, int | None]) -> dict[tuple[str, str], int | None]:
    return {(p.method, p.path): scopes.get(p.scope) for p in PROBED}


def test_probes_have_unique_scopes_and_every_purpose_starts_with_severities() -> None:
    assert len({p.scope for p in PROBES}) == len(PROBES)
    for purpose in PURPOSES:
        assert probes_for(purpose)[0] is SEVERITIES
    assert probes_for(None) == list(PROBES)


def test_writes_are_probed_only_with_requests_that_must_be_refused() -> None:
    for probe in PROBES:
        if probe.method != "GET":
            assert probe.kind == "invalid-write"
            if probe.method == "DELETE":
                assert probe.path.endswith("/" + NO_SUCH_ROUTE)  # only an id no route can have
            else:
                assert probe.body is not None
                # a create without its required fields, or an update of an id that cannot exist, cannot succeed
                assert "idempotency_key" not in probe.body and "name" not in probe.body


@pytest.mark.parametrize(
    ("status", "kind", "state"),
    [
        (None, "read", "ok"),
        (403, "read", "missing"),
        (404, "read", "failed"),
        (422, "read", "failed"),
        (403, "invalid-write", "missing"),
        (422, "invalid-write", "ok"),
        (404, "invalid-write", "ok"),
        (400, "invalid-write", "ok"),
    ],
)
def test_interpret(status: int | None, kind: str, state: str) -> None:
    probe = next(p for p in PROBED if p.kind == kind)
    error = describe(status, probe.method, probe.path) if status else None
    assert interpret(probe, error).state == state


@pytest.mark.parametrize("status", [401, 500, 502])
def test_interpret_raises_what_is_not_about_one_scope(status: int) -> None:
    with pytest.raises(ApiError):
        interpret(SEVERITIES, describe(status, "GET", SEVERITIES.path))


def test_a_401_on_severities_sends_nothing_else() -> None:
    fake = Fake({("GET", SEVERITIES.path): 401})
    with pytest.raises(ApiError):
        asyncio.run(run_probes(fake, PROBES))
    assert fake.sent == [("GET", "/v1/severities")]


@given(
    purpose=st.sampled_from([None, *PURPOSES]),
    statuses=st.fixed_dictionaries({p.scope: st.sampled_from(STATUSES) for p in PROBED}),
)
def test_rows_follow_the_answers(purpose: Purpose | None, statuses: dict[str, int | None]) -> None:
    probes = probes_for(purpose)
    fake = Fake(by_request(statuses))
    fatal = [s for p in probes if (s := statuses.get(p.scope)) in (401, 500, 503)]
    if statuses["severities.view"] in (401, 500, 503):
        with pytest.raises(ApiError):
            asyncio.run(run_probes(fake, probes))
        assert len(fake.sent) == 1
        return
    if fatal:
        with pytest.raises(ApiError):
            asyncio.run(run_probes(fake, probes))
        assert len(fake.sent) == len(probes)  # every probe finished first
        return
    rows = asyncio.run(run_probes(fake, probes))
    assert [r.probe for r in rows] == probes
    assert fake.sent[0] == ("GET", "/v1/severities")
    assert missing_scopes(rows) == [p.scope for p in probes if statuses.get(p.scope) == 403]
    assert severities_forbidden(rows) == (statuses["severities.view"] == 403)
    for row in rows:
        if statuses[row.probe.scope] is None:
            assert row.state == "ok"
        assert row.blocking == (row.state in ("missing", "failed"))
