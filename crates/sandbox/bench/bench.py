#!/usr/bin/env python3
"""Bounded load comparison of vendor-sandbox and the Prism mock of the same specs.

Starts, on loopback only and on free ports: one vendor-sandbox (release build, `--rate-limit 0`,
seeded with the spec examples) and one Prism mock per spec (`@stoplight/prism-cli` pinned in
package.json, on `spec/dist/<vendor>.json`). Then, for each scenario, runs the same request with
wrk against both, one after the other, and prints requests/s and p99 latency for both and their
ratio. Every process it started is stopped (by pid) at the end.

    python3 crates/sandbox/bench/bench.py [--duration 10] [--connections 32] [--threads 2]

Needs `wrk` (Debian: `apt-get install wrk`) and `npm ci` (for node_modules/.bin/prism).
"""

import argparse
import json
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
SEED = REPO / "crates/sandbox/schemathesis/seed.json"
PRISM = REPO / "node_modules/.bin/prism"

# The records seeded from the spec examples (crates/sandbox/schemathesis/seed.json), so that the
# sandbox answers 200 like the mock does.
PROFILE_ID = "AX1LgghsxZsJZUwYvN"
IDENTITY_UUID = "ffffffff-ffff-ffff-ffff-ffffffffffff"
USER_ID = "jdoe@example.com"
# Prism checks that a Basic credential is base64 of `user:password` (and answers 401 otherwise),
# so both sides get this one ("sandbox:secret"); the sandbox is told to accept it.
ATTESTR_TOKEN = "c2FuZGJveDpzZWNyZXQ="


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build_sandbox():
    output = subprocess.run(
        ["cargo", "build", "--release", "-p", "sandbox", "--bin", "vendor-sandbox",
         "--message-format=json-render-diagnostics"],
        cwd=REPO, check=True, stdout=subprocess.PIPE, text=True,
    ).stdout
    for line in output.splitlines():
        message = json.loads(line)
        if (message.get("reason") == "compiler-artifact"
                and message["target"]["name"] == "vendor-sandbox" and message.get("executable")):
            return message["executable"]
    sys.exit("cargo did not report the vendor-sandbox binary")


def drain(stream):
    """Keeps reading a child's output so that it never blocks on a full pipe."""
    threading.Thread(target=lambda: [None for _ in stream], daemon=True).start()


def start_sandbox(binary, started):
    process = subprocess.Popen(
        [binary, "--listen", "127.0.0.1:0", "--rate-limit", "0", "--log-level", "warn",
         "--seed", str(SEED), "--attestr-token", ATTESTR_TOKEN],
        stdout=subprocess.PIPE, text=True,
    )
    started.append(process)
    first = process.stdout.readline().strip()
    match = re.fullmatch(r"listening on (http://127\.0\.0\.1:\d+)", first)
    if not match:
        sys.exit(f"vendor-sandbox did not announce a loopback address: {first!r}")
    drain(process.stdout)
    return match.group(1)


def start_prism(vendor, started):
    port = free_port()
    process = subprocess.Popen(
        [str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(port),
         str(REPO / f"spec/dist/{vendor}.json")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    started.append(process)
    deadline = time.time() + 60
    for line in process.stdout:
        if "Prism is listening" in line:
            break
        if time.time() > deadline:
            sys.exit(f"Prism for {vendor} did not start")
    drain(process.stdout)
    return f"http://127.0.0.1:{port}"


def atenea_token(sandbox):
    request = urllib.request.Request(
        f"{sandbox}/atenea/oauth/token/",
        data=json.dumps({"client_id": "sandbox-client", "client_secret": "sandbox-secret",
                         "grant_type": "client_credentials"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["access_token"]


def wrk(url, headers, args, script=None, duration=None):
    command = ["wrk", "--latency", "-t", str(args.threads), "-c", str(args.connections),
               "-d", f"{duration or args.duration}s", "--timeout", "5s"]
    for header in headers:
        command += ["-H", header]
    if script:
        command += ["-s", script]
    command.append(url)
    output = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = parse_latency(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rps": rps, "p99_ms": p99,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def parse_latency(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--sandbox-bin", help="a vendor-sandbox binary (default: build --release)")
    args = parser.parse_args()
    if not PRISM.exists():
        sys.exit(f"{PRISM} is missing: run `npm ci`")

    started = []
    workdir = tempfile.TemporaryDirectory(prefix="sandbox-bench-")
    post_script = Path(workdir.name) / "create-profile.lua"
    post_script.write_text(
        'wrk.method = "POST"\n'
        "wrk.body = '{\"tag\": \"AA-1234\", \"name\": \"Asha Example\"}'\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
    )
    try:
        binary = args.sandbox_bin or build_sandbox()
        sandbox = start_sandbox(binary, started)
        prism = {vendor: start_prism(vendor, started)
                 for vendor in ("attestr", "trust", "gainsight-px")}
        bearer = f"Authorization: Bearer {atenea_token(sandbox)}"
        # (name, sandbox base, prism base, path, headers, wrk script)
        scenarios = [
            ("Attestr getProfile", f"{sandbox}/attestr/api/v1", prism["attestr"],
             f"/public/factx/{PROFILE_ID}", [f"Authorization: Basic {ATTESTR_TOKEN}"], None),
            ("Attestr createProfile", f"{sandbox}/attestr/api/v1", prism["attestr"],
             "/public/factx/", [f"Authorization: Basic {ATTESTR_TOKEN}"], str(post_script)),
            ("Trust findIdentity", f"{sandbox}/trust/index/v1", prism["trust"],
             f"/identity/{IDENTITY_UUID}", [bearer], None),
            ("Gainsight PX getUser", f"{sandbox}/gainsight-px", prism["gainsight-px"],
             f"/v1/users/{USER_ID}", ["X-APTRINSIC-API-KEY: sandbox-px-key"], None),
        ]
        results = []
        for name, sandbox_base, prism_base, path, headers, script in scenarios:
            row = {"scenario": name}
            for target, base in (("sandbox", sandbox_base), ("prism", prism_base)):
                wrk(base + path, headers, args, script, duration=2)  # warm-up
                row[target] = wrk(base + path, headers, args, script)
            results.append(row)
            print(f"measured {name}", file=sys.stderr)
    finally:
        for process in started:
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        workdir.cleanup()

    print(f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s --latency, "
          f"loopback, sandbox --rate-limit 0 (release), Prism 5.14.2 static mock\n")
    print("| scenario | sandbox req/s | sandbox p99 | Prism req/s | Prism p99 "
          "| req/s ratio (sandbox/Prism) | p99 ratio (Prism/sandbox) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in results:
        s, p = row["sandbox"], row["prism"]
        print(f"| {row['scenario']} | {s['rps']:.0f} | {s['p99_ms']:.2f} ms | {p['rps']:.0f} "
              f"| {p['p99_ms']:.2f} ms | {s['rps'] / p['rps']:.1f}x | {p['p99_ms'] / s['p99_ms']:.1f}x |")
    problems = [(row["scenario"], target, row[target]) for row in results
                for target in ("sandbox", "prism")
                if row[target]["non_2xx"] or row[target]["socket_errors"]]
    for scenario, target, result in problems:
        print(f"\nnote: {scenario} on {target}: {result['non_2xx']} non-2xx responses, "
              f"socket errors: {result['socket_errors'] or 'none'}")


if __name__ == "__main__":
    main()
