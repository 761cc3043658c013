"""Schemathesis with every check, as the CLI runs it, against a real server: a finding fails CI.

The schema is read from pytest-django's live server and schemathesis' own engine (the one behind
`schemathesis run`) drives it over HTTP: the examples, coverage, fuzzing and stateful phases (the
stateful phase follows the schema's links from a created object to its operations), with every
built-in check enabled, among them positive-data acceptance (a request the schema allows must not be
refused with 400/422) and negative-data rejection (one it forbids must be). It runs twice: as an
organization's owner with the organization header, and as staff with no fixed header, so the
header itself is fuzzed too.

Every failure must be listed in `schemathesis_exclusions.toml` (check, operation, reason); any other
one fails the test with the request to reproduce it. The slow `max_response_time` check is left out
on purpose: it needs a limit, and timings on a shared CI machine are noise.

SCHEMATHESIS_EXAMPLES (default 10) and SCHEMATHESIS_PHASES (for both callers; by default the
client skips the coverage phase) make the run longer or shorter; the default takes about two to
three minutes on two cores. The figures go to the JUnit report (--junitxml).
"""

from __future__ import annotations

import os
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

import pytest
import schemathesis
from django.core.servers.basehttp import WSGIRequestHandler
from django.db import connection
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema

from accounts.tokens import issue_pair

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "10"))
ALL_PHASES = ("examples", "coverage", "fuzzing", "stateful")
# The coverage phase (every boundary and negation of every parameter: ~8,000 requests, two
# minutes) runs once, as staff, whose organization header is generated too.
PHASES = {
    "client": os.environ.get("SCHEMATHESIS_PHASES", "examples,fuzzing,stateful").split(","),
    "staff": os.environ.get("SCHEMATHESIS_PHASES", ",".join(ALL_PHASES)).split(","),
}
EXCLUSIONS = Path(__file__).with_name("schemathesis_exclusions.toml")


@dataclass(frozen=True)
class Exclusion:
    check: str
    operation: str  # "METHOD /path" as schemathesis labels it; shell-style wildcards allowed
    reason: str
    callers: tuple[str, ...] = ("client", "staff")
    match: str = ""  # when set, only failures whose text contains it

    def covers(self, caller: str, check: str, operation: str, text: str) -> bool:
        return (
            caller in self.callers
            and fnmatchcase(check, self.check)
            and fnmatchcase(operation, self.operation)
            and self.match in text
        )


def load_exclusions(path: Path = EXCLUSIONS) -> list[Exclusion]:
    """The documented exclusions; each one names its check, its operation and why."""
    entries = tomllib.loads(path.read_text())["exclusion"] if path.exists() else []
    exclusions = []
    for entry in entries:
        assert {"check", "operation", "reason"} <= entry.keys(), entry
        assert entry["reason"].strip(), f"an exclusion without a reason: {entry}"
        exclusions.append(
            Exclusion(
                check=entry["check"],
                operation=entry["operation"],
                reason=entry["reason"],
                callers=tuple(entry.get("callers", ("client", "staff"))),
                match=entry.get("match", ""),
            )
        )
    return exclusions


@dataclass
class Findings:
    requests: int = 0
    by_phase: Counter = field(default_factory=Counter)
    by_check: Counter = field(default_factory=Counter)
    excluded: Counter = field(default_factory=Counter)
    # (check, operation) -> how to reproduce the first one
    unexpected: dict[tuple[str, str], str] = field(default_factory=dict)
    used: set[Exclusion] = field(default_factory=set)

    def add(self, caller: str, exclusions: list[Exclusion], check: str, operation: str, how: str):
        self.by_check[check] += 1
        for exclusion in exclusions:
            if exclusion.covers(caller, check, operation, how):
                self.excluded[check] += 1
                self.used.add(exclusion)
                return
        self.unexpected.setdefault((check, operation), how)


def _config(base_url: str, headers: dict[str, str], phases: list[str]) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": 18,
            "base-url": base_url,
            "headers": headers,
            "suppress-health-check": ["all"],
            "continue-on-failure": True,
            "request-timeout": 60,
            # 429s are answers to check, not waits: the auth throttle allows 5 a minute.
            "rate-limit": "10000/s",
            "checks": {"enabled": True},
            "generation": {"max-examples": EXAMPLES},
            "phases": {
                **{phase: {"enabled": phase in phases} for phase in ALL_PHASES},
                "stateful": {"enabled": "stateful" in phases, "max-steps": 10},
            },
        }
    )


def _record(event, caller: str, exclusions: list[Exclusion], findings: Findings) -> None:
    if isinstance(event, events.ScenarioFinished) and event.is_test_scenario:
        recorder = event.recorder
        findings.requests += len(recorder.interactions)
        findings.by_phase[event.phase.value] += len(recorder.interactions)
        for nodes in recorder.checks.values():
            for node in nodes:
                if node.failure_info is None:
                    continue
                failure = node.failure_info.failure
                how = f"{failure.title}: {failure.message.strip()[:400]}\n{node.failure_info.code_sample}"
                findings.add(
                    caller, exclusions, node.name, failure.operation or recorder.label, how
                )
    elif isinstance(event, events.NonFatalError):
        findings.add(caller, exclusions, "error", event.label, str(event.value)[:400])
    elif isinstance(event, events.FatalError):
        findings.add(caller, exclusions, "error", "(run)", repr(event.exception)[:400])


def run_schemathesis(base_url: str, headers: dict[str, str], caller: str) -> Findings:
    exclusions = load_exclusions()
    config = _config(base_url, headers, PHASES[caller])
    schema = schemathesis.openapi.from_url(f"{base_url}/api/schema/?format=json", config=config)
    findings = Findings()
    for event in from_schema(schema).execute():
        _record(event, caller, exclusions, findings)
    return findings


def _headers(world, caller: str) -> dict[str, str]:
    user = world.user("staff" if caller == "staff" else "owner")
    headers = {"Authorization": f"Bearer {issue_pair(user, None)['access_token']}"}
    if connection.vendor == "sqlite":
        # No kept-alive connection outlives the test (the live server shares SQLite's connection
        # with its request threads only while it runs); PostgreSQL keeps one connection a thread.
        headers["Connection"] = "close"
    if caller == "client":
        headers["X-Middag-Organization"] = str(world.org.pk)
    return headers


def test_exclusions_are_documented():
    exclusions = load_exclusions()
    assert len(set(exclusions)) == len(exclusions), "an exclusion is listed twice"
    for exclusion in exclusions:
        assert set(exclusion.callers) <= {"client", "staff"}, exclusion
        assert exclusion.operation == "*" or " /" in exclusion.operation, exclusion


@pytest.mark.parametrize("caller", ["client", "staff"])
def test_schemathesis_finds_nothing_undocumented(
    live_server, committed_world, caller, record_testsuite_property, monkeypatch
):
    # The test server writes a response's headers and body in two packets; with Nagle's algorithm
    # the second waits for the client's delayed ACK (40 ms a request, minutes a run).
    monkeypatch.setattr(WSGIRequestHandler, "disable_nagle_algorithm", True)
    findings = run_schemathesis(live_server.url, _headers(committed_world, caller), caller)
    # In the JUnit report (--junitxml): the figures issue 18 asks for.
    record_testsuite_property(f"schemathesis_{caller}_requests", findings.requests)
    record_testsuite_property(f"schemathesis_{caller}_requests_by_phase", dict(findings.by_phase))
    record_testsuite_property(f"schemathesis_{caller}_failures_by_check", dict(findings.by_check))
    record_testsuite_property(f"schemathesis_{caller}_excluded_by_check", dict(findings.excluded))
    assert findings.requests > 100, "schemathesis hardly ran"
    # A schema that loses its links silently skips the stateful phase.
    assert all(findings.by_phase[phase] for phase in PHASES[caller]), dict(findings.by_phase)
    report = "\n\n".join(
        f"[{check}] {operation}\n{how}"
        for (check, operation), how in sorted(findings.unexpected.items())
    )
    assert not findings.unexpected, (
        f"{len(findings.unexpected)} finding(s) not in {EXCLUSIONS.name} "
        f"({findings.requests} requests as {caller}):\n\n{report}"
    )
