#!/usr/bin/env python3
"""vendor-erase on a large batch against the release sandbox, on loopback only.

Builds the release `vendor-sandbox` and `vendor-erase`, writes a seed and a subjects file of N
made-up subjects (each with an Attestr profile, a Trust identity and a Gainsight PX user), starts
the sandbox on a free loopback port with its Gainsight PX limit at 200 requests/s (the vendor's
documented rate), and runs `vendor-erase run` with Gainsight PX paced at 200/s and the two other
vendors at 400/s, so that PX's rate sets the floor: N / 200 seconds. Then it reads what the
sandbox received (GET /_sandbox/requests) and the receipts (`vendor-erase report --format json`),
and prints the wall time against the floor, every 429 the sandbox sent, the attempts per step and
the tool's CPU time per step. With --unlimited it also runs the same batch with no limit on either
side (the sandbox's `--rate-limit 0`), to show what the tool itself can do.

    python3 crates/erasure/bench/bench.py [--subjects 10000] [--unlimited]

The sandbox is stopped (by pid) at the end; the scratch files go under target/erasure-bench/.
"""

import argparse
import json
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
# Where cargo builds (a `.cargo/config.toml` or CARGO_TARGET_DIR may move it from REPO/target).
TARGET = Path(json.loads(subprocess.run(
    ["cargo", "metadata", "--format-version", "1", "--no-deps"],
    cwd=REPO, check=True, capture_output=True, text=True).stdout)["target_directory"])
PX_RATE = 200.0
OTHER_RATE = 400.0


def build():
    subprocess.run(["cargo", "build", "--release", "-p", "sandbox", "-p", "erasure"],
                   cwd=REPO, check=True)
    return TARGET / "release/vendor-sandbox", TARGET / "release/vendor-erase"


def write_inputs(directory, count):
    profiles, identities, users, rows = [], [], [], []
    for n in range(1, count + 1):
        profile = f"AXbench{n:08}"
        uuid = f"{n:08x}-0000-4000-8000-00000000be4c"
        user = f"bench-{n:06}@example.test"
        profiles.append({"_id": profile, "tag": "T", "name": "Placeholder Person"})
        identities.append({"uuid": uuid, "name": "Placeholder"})
        users.append({"identifyId": user, "propertyKeys": ["AP-XXXXXXXXXX-2"]})
        rows.append(f"DSR-{n:06},{profile},{uuid},{user}")
    seed = directory / "seed.json"
    seed.write_text(json.dumps({"attestr_profiles": profiles, "trust_identities": identities,
                                "gainsight_px_users": users}))
    subjects = directory / "subjects.csv"
    subjects.write_text("subject,attestr_profile_id,trust_uuid,gainsight_px_identify_id\n"
                        + "\n".join(rows) + "\n")
    return seed, subjects


def drain(stream):
    """Keeps reading a child's output so that it never blocks on a full pipe."""
    threading.Thread(target=lambda: [None for _ in stream], daemon=True).start()


def start_sandbox(binary, seed, rate_limit, request_log, started):
    process = subprocess.Popen(
        [str(binary), "--listen", "127.0.0.1:0", "--seed", str(seed), "--rate-limit",
         str(rate_limit), "--request-log", str(request_log), "--log-level", "warn"],
        stdout=subprocess.PIPE, text=True,
    )
    started.append(process)
    first = process.stdout.readline().strip()
    match = re.fullmatch(r"listening on (http://127\.0\.0\.1:\d+)", first)
    if not match:
        sys.exit(f"vendor-sandbox did not announce a loopback address: {first!r}")
    drain(process.stdout)
    return match.group(1)


def environment(base):
    # Only the variables vendor-erase reads: nothing of the machine's own environment.
    return {
        "ATTESTR_AUTH_TOKEN": "c2FuZGJveC1hcHA6c2FuZGJveC1zZWNyZXQ=",
        "ATTESTR_BASE_URL": f"{base}/attestr/api/{{version}}",
        "TRUST_CLIENT_ID": "sandbox-client",
        "TRUST_CLIENT_SECRET": "sandbox-secret",
        "TRUST_INDEX_BASE_URL": f"{base}/trust/index/v1",
        "TRUST_ATENEA_BASE_URL": f"{base}/atenea",
        "GAINSIGHT_PX_API_KEY": "sandbox-px-key",
        "GAINSIGHT_PX_BASE_URL": f"{base}/gainsight-px",
    }


def erase(binary, env, subjects, journal, rates):
    """Runs vendor-erase; returns (exit code, wall seconds, (user, system) CPU seconds)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    process = subprocess.run(
        [str(binary), "run", str(subjects), "--journal", str(journal),
         "--attestr-rate", str(rates[0]), "--trust-rate", str(rates[1]),
         "--gainsight-px-rate", str(rates[2]), "--progress", "none"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime)
    if process.returncode != 0:
        print(process.stderr, file=sys.stderr)
    return process.returncode, wall, cpu


def receipts(binary, journal):
    output = subprocess.run([str(binary), "report", "--journal", str(journal), "--format", "json"],
                            check=True, stdout=subprocess.PIPE, text=True).stdout
    report = json.loads(output)
    steps = [step for subject in report["subjects"] for step in subject["steps"]]
    outcomes = {}
    for step in steps:
        outcomes[step["outcome"]] = outcomes.get(step["outcome"], 0) + 1
    return report["summary"], outcomes, sum(step["attempts"] for step in steps), len(steps)


def received(base):
    with urllib.request.urlopen(f"{base}/_sandbox/requests") as response:
        return json.load(response)


def one_run(name, sandbox_bin, erase_bin, seed, subjects, directory, count, limited, started):
    rate_limit = 200 if limited else 0
    base = start_sandbox(sandbox_bin, seed, rate_limit, count * 4 + 100, started)
    rates = (OTHER_RATE, OTHER_RATE, PX_RATE) if limited else (100000, 100000, 100000)
    journal = directory / f"{name}.db"
    code, wall, cpu = erase(erase_bin, environment(base), subjects, journal, rates)
    summary, outcomes, attempts, steps = receipts(erase_bin, journal)
    requests = received(base)
    started[-1].terminate()
    started[-1].wait(timeout=10)
    too_many = sum(1 for request in requests if request["status"] == 429)
    px = sum(1 for request in requests if request["vendor"] == "gainsight-px")
    print(f"\n== {name}: {count} subjects, {steps} steps; sandbox PX limit "
          f"{rate_limit or 'off'}/s; vendor-erase rates Attestr/Trust/PX {rates[0]:g}/{rates[1]:g}/{rates[2]:g} per s")
    print(f"exit code {code}; subjects erased {summary['subjects_erased']}/{summary['subjects']}; "
          f"outcomes {outcomes}")
    print(f"wall {wall:.2f} s", end="")
    if limited:
        floor = count / PX_RATE
        print(f"; floor {floor:.1f} s (PX {count} / {PX_RATE:g} per s); ratio {wall / floor:.3f}", end="")
    print(f"; {steps / wall:.0f} steps/s")
    print(f"requests received {len(requests)} (PX {px}); 429 answers {too_many}; "
          f"attempts {attempts} for {steps} steps")
    user, system = cpu
    print(f"vendor-erase CPU {user + system:.2f} s = {(user + system) / steps * 1e6:.0f} µs per "
          f"step (user {user / steps * 1e6:.0f} µs, system {system / steps * 1e6:.0f} µs)")
    return code == 0 and too_many == 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subjects", type=int, default=10_000)
    parser.add_argument("--unlimited", action="store_true",
                        help="also run with no rate limit on either side")
    args = parser.parse_args()
    sandbox_bin, erase_bin = build()
    TARGET.joinpath("erasure-bench").mkdir(parents=True, exist_ok=True)
    directory = Path(tempfile.mkdtemp(dir=TARGET / "erasure-bench"))
    seed, subjects = write_inputs(directory, args.subjects)
    started = []
    ok = True
    try:
        ok &= one_run("limited", sandbox_bin, erase_bin, seed, subjects, directory,
                      args.subjects, True, started)
        if args.unlimited:
            one_run("unlimited", sandbox_bin, erase_bin, seed, subjects, directory,
                    args.subjects, False, started)
    finally:
        for process in started:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=10)
        shutil.rmtree(directory, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
