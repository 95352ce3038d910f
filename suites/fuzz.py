"""schemathesis against ``/api/schema/`` on the live system, as a rep, with an API key and as staff.

Every operation the schema describes gets a bounded, seeded number of generated requests, valid
and invalid (the examples, fuzzing and stateful phases of ``schemathesis run``; ``--coverage``
adds the coverage phase's boundary and wrong-type cases, several hundred per operation, for a
deeper and much longer run). The bar: no 5xx, no answer that breaks its documented schema, no
undocumented status code or content type. The suite prints one row per principal and exits 1 with
schemathesis' own failure report (each with a ``curl`` to reproduce it). Reports, and the
replay store for ``schemathesis replay``, are kept under ``var/fuzz/<principal>/``.

Every answer must be documented (status code conformance): views document their deliberate
errors (404, 409, ...), and ``betterform_site.schema_errors`` adds the 400/401/403/404/413/415/429
that DRF gives on its own to each operation where it can occur, each with the one ``Error`` body
(response schema conformance checks error bodies too).

    python -m suites.fuzz [--max-examples N] [--seed N] [--coverage] [--principal NAME ...]
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from monday_integration.testing import FakeMonday, build_demo_board
from suites.live import System, running_system

PRINCIPALS = ("rep_a", "api_key", "staff")
PHASES = ("examples", "fuzzing", "stateful")
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "response_schema_conformance",
    "content_type_conformance",
)
SCHEMA_CHECK = "response_schema_conformance"

# Only what would take the fuzzing principal's own credentials away mid-run; everything else,
# destructive or not, is fuzzed.
EXCLUDED_OPERATIONS = {
    # Deletes the very token the run authenticates with.
    "log_out": "destroys the run's token",
    # Deleting users: staff could delete itself or another principal (and its token with it).
    "delete_me": "deletes the fuzzing user",
    "delete_user": "deletes the fuzzing user or another principal",
    # A password change may log the user out (djoser deletes the token).
    "set_password": "changes the fuzzing user's password",
    # With SEND_ACTIVATION_EMAIL, djoser deactivates a user whose email changes until the
    # emailed link is followed: every later request of the run would be a 401.
    "replace_me": "a new email deactivates the fuzzing user",
    "update_me": "a new email deactivates the fuzzing user",
    "replace_user": "a new email deactivates the fuzzing user or another principal",
    "update_user": "a new email deactivates the fuzzing user or another principal",
}

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
DEFAULT_REPORT_DIR = Path("var/fuzz").resolve()


@dataclass
class Result:
    """What one schemathesis run for one principal found."""

    principal: str
    returncode: int
    seconds: float
    output: str
    operations: set[str] = field(default_factory=set)
    requests: int = 0
    server_errors: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    samples_5xx: list[str] = field(default_factory=list)

    @property
    def schema_violations(self) -> int:
        return self.failures.get(SCHEMA_CHECK, 0)

    @property
    def other_failures(self) -> int:
        # 5xx have their own column.
        skip = (SCHEMA_CHECK, "not_a_server_error")
        return sum(n for name, n in self.failures.items() if name not in skip)

    @property
    def ok(self) -> bool:
        # A 5xx is also a not_a_server_error failure; the return code catches whatever else
        # schemathesis considers a failed run (errors, an unloadable schema, ...).
        return (
            self.returncode == 0
            and not self.server_errors
            and not self.failures
            and not self.errors
            and bool(self.requests)
        )


def schemathesis_command(
    system: System, principal: str, *, max_examples: int, seed: int, phases: tuple[str, ...]
) -> list[str]:
    [(name, value)] = system.headers(principal).items()
    command = [
        str(SCHEMATHESIS),
        "run",
        f"{system.base_url}/api/schema/",
        *("--header", f"{name}: {value}"),
        *("--checks", ",".join(CHECKS)),
        *("--phases", ",".join(phases)),
        *("--max-examples", str(max_examples)),
        *("--seed", str(seed)),
        # No example database: the same seed generates the same cases on every machine.
        *("--generation-database", "none"),
        # The principal's header is the only credential; no generated cookies or keys.
        *("--generation-with-security-parameters", "false"),
        *("--workers", "2"),
        *("--request-timeout", "30"),
        *("--report", "ndjson,json"),
        # Reports and schemathesis' replay store (.schemathesis/) go to the working directory.
        *("--report-dir", "."),
        "--no-color",
    ]
    for operation_id in EXCLUDED_OPERATIONS:
        command += ["--exclude-operation-id", operation_id]
    return command


def read_reports(result: Result, report_dir: Path) -> None:
    """Count requests, 5xx and failed checks from the NDJSON event stream."""
    for path in sorted(report_dir.glob("*.ndjson")):
        for line in path.read_text().splitlines():
            event = json.loads(line)
            if "ScenarioFinished" not in event:
                continue
            recorder = event["ScenarioFinished"]["recorder"]
            interactions = recorder.get("interactions") or {}
            if interactions:
                result.operations.add(recorder["label"])
            for interaction in interactions.values():
                response = interaction.get("response")
                if response is None:
                    continue
                result.requests += 1
                if response["status_code"] >= 500:
                    result.server_errors += 1
                    request = interaction["request"]
                    body = base64.b64decode((response.get("content") or {}).get("$base64", ""))
                    result.samples_5xx.append(
                        f"{request['method']} {request['uri']} -> {response['status_code']}"
                        f" {body[:200].decode(errors='replace').strip()}"
                    )
            for checks in (recorder.get("checks") or {}).values():
                for check in checks:
                    if check["status"] == "failure":
                        name = check["name"]
                        result.failures[name] = result.failures.get(name, 0) + 1
    for path in sorted(report_dir.glob("*.json")):
        text = path.read_text()
        if text.strip():
            result.errors += [json.dumps(error)[:2000] for error in json.loads(text)["errors"]]


def fuzz(
    system: System,
    principal: str,
    *,
    max_examples: int,
    seed: int,
    phases: tuple[str, ...],
    root: Path,
) -> Result:
    report_dir = root / principal
    report_dir.mkdir(parents=True, exist_ok=True)
    for old in report_dir.glob("*.*json"):
        old.unlink()
    command = schemathesis_command(
        system, principal, max_examples=max_examples, seed=seed, phases=phases
    )
    started = time.monotonic()
    completed = subprocess.run(
        command,
        cwd=report_dir,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
        env=system.env,
    )
    result = Result(
        principal,
        completed.returncode,
        time.monotonic() - started,
        completed.stdout + completed.stderr,
    )
    (report_dir / "output.txt").write_text(result.output)
    read_reports(result, report_dir)
    return result


def failure_section(output: str) -> str:
    """schemathesis' FAILURES / ERRORS sections: each case with its ``curl`` reproduction."""
    pattern = r"^=+ (?:FAILURES|ERRORS) =+$.*?(?=^=+ (?!FAILURES|ERRORS)[A-Z ]+ =+$)"
    match = re.search(pattern, output, re.M | re.S)
    return match.group(0) if match else output[-6000:]


def print_table(results: list[Result]) -> None:
    header = ("principal", "operations", "requests", "5xx", "schema violations", "other", "s")
    rows = [
        (
            r.principal,
            str(len(r.operations)),
            str(r.requests),
            str(r.server_errors),
            str(r.schema_violations),
            str(r.other_failures + len(r.errors)),
            f"{r.seconds:.0f}",
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=15)
    parser.add_argument("--coverage", action="store_true", help="add the coverage phase")
    parser.add_argument("--seed", type=int, default=20251123)
    parser.add_argument("--principal", action="append", choices=PRINCIPALS)
    parser.add_argument("--report-dir", type=Path, default=DEFAULT_REPORT_DIR)
    args = parser.parse_args(argv)
    principals = args.principal or list(PRINCIPALS)
    phases = ("coverage", *PHASES) if args.coverage else PHASES
    report_dir = args.report_dir.resolve()

    print(f"schemathesis: {args.max_examples} examples per operation, seed {args.seed}")
    print(f"phases: {', '.join(phases)}; checks: {', '.join(CHECKS)}")
    for operation_id, why in EXCLUDED_OPERATIONS.items():
        print(f"excluded: {operation_id} ({why})")
    results = []
    # The site talks to a monday.com as it would in production (the fake, on loopback):
    # saving a mapping asks monday about the board, and an unreachable monday is a 503.
    with (
        FakeMonday() as fake,
        running_system(env={"MONDAY_API_URL": fake.url, "MONDAY_API_TOKEN": fake.token}) as system,
    ):
        build_demo_board(fake)
        for principal in principals:
            results.append(
                fuzz(
                    system,
                    principal,
                    max_examples=args.max_examples,
                    seed=args.seed,
                    phases=phases,
                    root=report_dir,
                )
            )
            print(f"... {principal}: {results[-1].seconds:.0f} s", flush=True)
        server_log = system.logs() if any(r.server_errors for r in results) else ""

    print()
    print_table(results)
    failed = [r for r in results if not r.ok]
    for result in failed:
        print(f"\n===== {result.principal}: exit {result.returncode} =====")
        print(f"reports: {report_dir / result.principal}; replay a case there with")
        print(f"  cd {report_dir / result.principal} && {SCHEMATHESIS} replay <Test Case ID>")
        for sample in result.samples_5xx[:10]:
            print(f"5xx: {sample}")
        for error in result.errors[:10]:
            print(f"error: {error}")
        print(failure_section(result.output))
    if server_log:
        print("\n===== server logs (tail) =====")
        print(server_log)
    print("\nfuzz:", "FAIL" if failed else "ok")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
