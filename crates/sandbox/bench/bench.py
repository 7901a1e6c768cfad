#!/usr/bin/env python3
"""Bounded load measurements of vendor-sandbox, in one run, on loopback only.

Sections (all by default, or `--only NAME`):

- `prism`: the sandbox (release, in memory, `--rate-limit 0`, seeded with the spec examples)
  against a Prism mock of each spec (`@stoplight/prism-cli` pinned in package.json).
- `floor`: the sandbox's Gainsight PX getUser against a minimal axum server that returns the same
  body from memory (`examples/axum_floor.rs`), the floor for this stack.
- `state`: with `--state`, PX updateUser throughput and p99 at 100 users and at 100,000 users, a
  page of the user list at 100,000 users (default order and sorted), the database's bytes per
  user, and the largest WAL file seen during the update load.
- `memory`: without `--state`, this sandbox against an older build given with `--baseline-bin`
  (skipped without it), for a before/after of a change of the store. Each scenario runs in the
  order this, baseline, baseline, this, and each side's two runs are averaged, so that a change of
  the machine's load during the run weighs on both sides alike.

Each measurement is `wrk --latency` after a 2 s warm-up; every process started is stopped by pid.

    python3 crates/sandbox/bench/bench.py [--duration 10] [--connections 32] [--threads 2]

Needs `wrk` (Debian: `apt-get install wrk`), and `npm ci` (node_modules/.bin/prism) for `prism`.
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
# The sandbox's demo token, base64 of `sandbox-app:sandbox-secret`: a valid Basic credential,
# which Prism checks too.
ATTESTR_TOKEN = "c2FuZGJveC1hcHA6c2FuZGJveC1zZWNyZXQ="
PX_KEY = "X-APTRINSIC-API-KEY: sandbox-px-key"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build(target, kind):
    output = subprocess.run(
        ["cargo", "build", "--release", "-p", "sandbox", f"--{kind}", target,
         "--message-format=json-render-diagnostics"],
        cwd=REPO, check=True, stdout=subprocess.PIPE, text=True,
    ).stdout
    for line in output.splitlines():
        message = json.loads(line)
        if (message.get("reason") == "compiler-artifact"
                and message["target"]["name"] == target and message.get("executable")):
            return message["executable"]
    sys.exit(f"cargo did not report the {target} binary")


def drain(stream):
    """Keeps reading a child's output so that it never blocks on a full pipe."""
    threading.Thread(target=lambda: [None for _ in stream], daemon=True).start()


def start(command, started):
    """Starts a server that prints `listening on http://127.0.0.1:PORT` first; its base URL."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    started.append(process)
    first = process.stdout.readline().strip()
    match = re.fullmatch(r"listening on (http://127\.0\.0\.1:\d+)", first)
    if not match:
        sys.exit(f"{command[0]} did not announce a loopback address: {first!r}")
    drain(process.stdout)
    return match.group(1)


def start_sandbox(binary, started, *extra):
    """This build, without its rate limit and daily quota (a run sends millions of requests)."""
    return start([binary, "--listen", "127.0.0.1:0", "--rate-limit", "0", "--daily-quota", "0",
                  "--log-level", "warn", *extra], started)


# Connections for the latency of a loaded but not saturated sandbox.
LIGHT = 4

# The create scenarios make hundreds of thousands of profiles: lift the record cap for them.
NO_CAP = ("--max-records", "100000000")


def stop(process, started):
    process.terminate()
    process.wait(timeout=30)
    started.remove(process)


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


def wrk(url, headers, args, script=None, duration=None, connections=None):
    connections = connections or args.connections
    command = ["wrk", "--latency", "-t", str(min(args.threads, connections)), "-c", str(connections),
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


def measure(url, headers, args, script=None, connections=None):
    wrk(url, headers, args, script, duration=2, connections=connections)  # warm-up
    return wrk(url, headers, args, script, connections=connections)


def lua(workdir, name, text):
    path = Path(workdir) / name
    path.write_text(text)
    return str(path)


def update_script(workdir, users):
    return lua(workdir, f"update-{users}.lua", f"""
math.randomseed(os.time())
request = function()
  local id = string.format("u%06d", math.random(0, {users - 1}))
  return wrk.format("PUT", "/gainsight-px/v1/users/" .. id,
    {{["Content-Type"] = "application/json", ["X-APTRINSIC-API-KEY"] = "sandbox-px-key"}},
    '{{"title": "benchmark", "customAttributes": {{"plan": "gold", "seats": 12}}}}')
end
""")


def user_seed(workdir, users):
    path = Path(workdir) / f"seed-{users}.json"
    records = [{"identifyId": f"u{index:06d}", "propertyKeys": ["AP-XXXXXXXXXX-2"],
                "type": "USER", "email": f"u{index:06d}@example.test", "firstName": "Jane",
                "lastName": "Doe", "signUpDate": 1690000000000,
                "customAttributes": {"plan": "silver", "seats": 3}} for index in range(users)]
    path.write_text(json.dumps({"gainsight_px_users": records}))
    return str(path)


def section_prism(binary, args, started, workdir, out):
    post_script = lua(workdir, "create-profile.lua",
                      'wrk.method = "POST"\n'
                      "wrk.body = '{\"tag\": \"AA-1234\", \"name\": \"Asha Example\"}'\n"
                      'wrk.headers["Content-Type"] = "application/json"\n')
    sandbox = start_sandbox(binary, started, "--seed", str(SEED), *NO_CAP)
    prism = {vendor: start_prism(vendor, started) for vendor in ("attestr", "trust", "gainsight-px")}
    bearer = f"Authorization: Bearer {atenea_token(sandbox)}"
    scenarios = [
        ("Attestr getProfile", f"{sandbox}/attestr/api/v1", prism["attestr"],
         f"/public/factx/{PROFILE_ID}", [f"Authorization: Basic {ATTESTR_TOKEN}"], None),
        ("Attestr createProfile", f"{sandbox}/attestr/api/v1", prism["attestr"],
         "/public/factx/", [f"Authorization: Basic {ATTESTR_TOKEN}"], post_script),
        ("Trust findIdentity", f"{sandbox}/trust/index/v1", prism["trust"],
         f"/identity/{IDENTITY_UUID}", [bearer], None),
        ("Gainsight PX getUser", f"{sandbox}/gainsight-px", prism["gainsight-px"],
         f"/v1/users/{USER_ID}", [PX_KEY], None),
    ]
    out.append("### sandbox vs Prism\n")
    out.append("| scenario | sandbox req/s | sandbox p99 | Prism req/s | Prism p99 "
               "| req/s ratio (sandbox/Prism) | p99 ratio (Prism/sandbox) |")
    out.append("|---|---:|---:|---:|---:|---:|---:|")
    for name, sandbox_base, prism_base, path, headers, script in scenarios:
        s = measure(sandbox_base + path, headers, args, script)
        p = measure(prism_base + path, headers, args, script)
        check(name, s)
        out.append(f"| {name} | {s['rps']:.0f} | {s['p99_ms']:.2f} ms | {p['rps']:.0f} "
                   f"| {p['p99_ms']:.2f} ms | {s['rps'] / p['rps']:.1f}x | {p['p99_ms'] / s['p99_ms']:.1f}x |")
        print(f"measured {name}", file=sys.stderr)


def section_floor(binary, args, started, workdir, out):
    sandbox = start_sandbox(binary, started, "--seed", str(SEED))
    url = f"{sandbox}/gainsight-px/v1/users/{USER_ID}"
    request = urllib.request.Request(url, headers=dict([PX_KEY.split(": ")]))
    body = urllib.request.urlopen(request, timeout=10).read()
    body_file = Path(workdir) / "user.json"
    body_file.write_bytes(body)
    floor = start([build("axum_floor", "example"), str(body_file)], started)
    s = measure(url, [PX_KEY], args)
    f = measure(f"{floor}/gainsight-px/v1/users/{USER_ID}", [PX_KEY], args)
    check("floor: sandbox getUser", s)
    out.append("### GET against the axum floor\n")
    out.append("| server | req/s | p99 |")
    out.append("|---|---:|---:|")
    out.append(f"| sandbox, PX getUser ({len(body)} bytes) | {s['rps']:.0f} | {s['p99_ms']:.2f} ms |")
    out.append(f"| minimal axum, same body from memory | {f['rps']:.0f} | {f['p99_ms']:.2f} ms |")
    out.append(f"| **ratio** | **{s['rps'] / f['rps'] * 100:.0f} %** | |")
    print("measured floor", file=sys.stderr)


def section_state(binary, args, started, workdir, out):
    rows = {}
    for users in (100, 100_000):
        database = Path(workdir) / f"state-{users}.db"
        began = time.time()
        sandbox_process_count = len(started)
        sandbox = start_sandbox(binary, started, "--state", str(database),
                                "--seed", user_seed(workdir, users))
        process = started[sandbox_process_count]
        startup = time.time() - began
        script = update_script(workdir, users)
        wal = WalWatch(Path(f"{database}-wal"))
        update = measure(f"{sandbox}/gainsight-px", [], args, script)
        wal_max = wal.stop()
        light = measure(f"{sandbox}/gainsight-px", [], args, script, connections=LIGHT)
        check(f"update at {users}", update)
        rows[users] = {"update": update, "update_light": light, "startup": startup,
                       "wal_max": wal_max}
        if users == 100_000:
            middle = "u050000".encode().hex()
            lists = {
                "page": f"/v1/users?pageSize=25&scrollId=sandbox-scroll-k{middle}",
                "first": "/v1/users?pageSize=25",
                "sorted": "/v1/users?pageSize=25&sort=%2BfirstName",
            }
            for key, path in lists.items():
                url = f"{sandbox}/gainsight-px{path}"
                rows[users][key] = measure(url, [PX_KEY], args)
                rows[users][key + "_light"] = measure(url, [PX_KEY], args, connections=LIGHT)
                check(f"list {key}", rows[users][key])
        stop(process, started)
        rows[users]["bytes"] = database.stat().st_size
        print(f"measured state at {users} users", file=sys.stderr)
    small, large = rows[100], rows[100_000]
    out.append("### `--state`: write cost against state size\n")
    out.append(f"p99 at {args.connections} connections (saturated) and at {LIGHT} connections.\n")
    out.append("| measurement | 100 users | 100,000 users | ratio |")
    out.append("|---|---:|---:|---:|")
    out.append(f"| updateUser req/s | {small['update']['rps']:.0f} | {large['update']['rps']:.0f} "
               f"| **{large['update']['rps'] / small['update']['rps'] * 100:.0f} %** |")
    out.append(f"| updateUser p99, {args.connections} / {LIGHT} connections "
               f"| {small['update']['p99_ms']:.2f} / {small['update_light']['p99_ms']:.2f} ms "
               f"| {large['update']['p99_ms']:.2f} / {large['update_light']['p99_ms']:.2f} ms | |")
    for key, name in (("page", "listUsers page of 25 (keyset, mid-list)"),
                      ("first", "listUsers first page of 25"),
                      ("sorted", "listUsers page of 25 sorted by firstName")):
        out.append(f"| {name}: req/s; p99 {args.connections} / {LIGHT} connections | "
                   f"| {large[key]['rps']:.0f}; {large[key]['p99_ms']:.2f} / "
                   f"{large[key + '_light']['p99_ms']:.2f} ms | |")
    out.append(f"| database bytes per user | {small['bytes'] / 100:.0f} "
               f"| {large['bytes'] / 100_000:.0f} | |")
    out.append(f"| start with the seed (s) | {small['startup']:.1f} | {large['startup']:.1f} | |")
    out.append(f"| largest WAL file during the saturated update load (MB) "
               f"| {small['wal_max'] / 1e6:.1f} | {large['wal_max'] / 1e6:.1f} | |")


class WalWatch:
    """Samples a WAL file's size every 50 ms in the background; `stop` gives the largest."""

    def __init__(self, path):
        self.path, self.largest, self.running = path, 0, True
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while self.running:
            try:
                self.largest = max(self.largest, self.path.stat().st_size)
            except FileNotFoundError:
                pass
            time.sleep(0.05)

    def stop(self):
        self.running = False
        self.thread.join()
        return self.largest


def section_memory(binary, args, started, workdir, out):
    if not args.baseline_bin:
        out.append("### without `--state`, this build vs a baseline: skipped (no --baseline-bin)")
        return
    update = lua(workdir, "update-full.lua",
                 'wrk.method = "PUT"\n'
                 "wrk.body = '{\"identifyId\": \"jdoe@example.com\", \"propertyKeys\": [\"AP-XXXXXXXXXX-2\"], \"title\": \"x\"}'\n"
                 'wrk.headers["Content-Type"] = "application/json"\n')
    create = lua(workdir, "create-profile.lua",
                 'wrk.method = "POST"\n'
                 "wrk.body = '{\"tag\": \"AA-1234\", \"name\": \"Asha Example\"}'\n"
                 'wrk.headers["Content-Type"] = "application/json"\n')
    this = start_sandbox(binary, started, "--seed", str(SEED), *NO_CAP)
    baseline = start_sandbox(args.baseline_bin, started, "--seed", str(SEED), *NO_CAP)
    scenarios = [
        ("PX getUser", f"/gainsight-px/v1/users/{USER_ID}", [PX_KEY], None),
        ("PX listUsers (first page)", "/gainsight-px/v1/users", [PX_KEY], None),
        ("PX updateUser", f"/gainsight-px/v1/users/{USER_ID}", [PX_KEY], update),
        ("Attestr createProfile", "/attestr/api/v1/public/factx/",
         [f"Authorization: Basic {ATTESTR_TOKEN}"], create),
    ]
    out.append(f"### without `--state`: this build vs the baseline ({args.baseline_bin})\n")
    out.append("Each scenario runs this, baseline, baseline, this; each side's two runs averaged.\n")
    out.append("| scenario | this req/s | this p99 | baseline req/s | baseline p99 | this/baseline req/s |")
    out.append("|---|---:|---:|---:|---:|---:|")
    for name, path, headers, script in scenarios:
        runs = {"this": [], "baseline": []}
        for side in ("this", "baseline", "baseline", "this"):
            base = this if side == "this" else baseline
            result = measure(base + path, headers, args, script)
            check(f"{side} {name}", result)
            runs[side].append(result)
        t, b = (mean(runs[side]) for side in ("this", "baseline"))
        out.append(f"| {name} | {t['rps']:.0f} | {t['p99_ms']:.2f} ms | {b['rps']:.0f} "
                   f"| {b['p99_ms']:.2f} ms | {t['rps'] / b['rps'] * 100:.0f} % |")
        print(f"measured memory {name}", file=sys.stderr)


def mean(results):
    return {key: sum(result[key] for result in results) / len(results)
            for key in ("rps", "p99_ms")}


def check(name, result):
    if result["non_2xx"] or result["socket_errors"]:
        print(f"note: {name}: {result['non_2xx']} non-2xx responses, "
              f"socket errors: {result['socket_errors'] or 'none'}", file=sys.stderr)


SECTIONS = {"prism": section_prism, "floor": section_floor, "state": section_state,
            "memory": section_memory}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--sandbox-bin", help="a vendor-sandbox binary (default: build --release)")
    parser.add_argument("--baseline-bin",
                        help="another vendor-sandbox build to compare with, for `memory`")
    parser.add_argument("--only", choices=sorted(SECTIONS), action="append")
    args = parser.parse_args()
    sections = args.only or list(SECTIONS)
    if "prism" in sections and not PRISM.exists():
        sys.exit(f"{PRISM} is missing: run `npm ci` (or leave `prism` out with --only)")
    started = []
    out = [f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s --latency, loopback, "
           f"release builds, --rate-limit 0 --daily-quota 0\n"]
    with tempfile.TemporaryDirectory(prefix="sandbox-bench-") as workdir:
        try:
            binary = args.sandbox_bin or build("vendor-sandbox", "bin")
            for name in sections:
                SECTIONS[name](binary, args, started, workdir, out)
                out.append("")
                for process in list(started):
                    stop(process, started)
        finally:
            for process in started:
                process.terminate()
            for process in started:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
    print("\n".join(out))


if __name__ == "__main__":
    main()
