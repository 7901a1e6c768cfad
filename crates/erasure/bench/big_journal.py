#!/usr/bin/env python3
"""Writes a finished vendor-erase journal of N made-up subjects (three steps each), without a
sandbox or a run, to measure what reading it costs (`vendor-erase report`, under /usr/bin/time -v):

    python3 crates/erasure/bench/big_journal.py OUT.db [--subjects 1000000] [--subjects-csv OUT.csv]

Every step is recorded as done (Attestr archived, Trust deleted, Gainsight PX deleted; one subject
in 50 has its PX step not_found, one in 1000 its Attestr step failed with a vendor message). The
layout (SCHEMA, APPLICATION_ID, SCHEMA_VERSION) is read from crates/erasure/src/journal.rs and a
step's record (ROW_JSON) from crates/erasure/src/chain.rs; the chain's hashing below follows
chain.rs (the plan record, then one record per step holding its final row), so that `report` finds
the journal whole. --subjects-csv also writes the matching subjects file (for `run`).
"""

import argparse
import hashlib
import os
import re
import sqlite3

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")


def rust_const(file, name):
    """The value of `const NAME` in crates/erasure/src/FILE: a string (with Rust's `\\` line
    continuations joined) or an integer."""
    with open(os.path.join(SRC, file)) as source:
        found = re.search(rf'const {name}: [^=]+= ("(?:[^"\\]|\\.)*"|[^;"]+);', source.read(), re.S)
    if not found:
        raise SystemExit(f"no const {name} in {file}")
    value = found.group(1)
    if value.startswith('"'):
        return re.sub(r"\\\n\s*", "", value[1:-1])
    return int(value, 0)


SCHEMA = rust_const("journal.rs", "SCHEMA")
APPLICATION_ID = rust_const("journal.rs", "APPLICATION_ID")
SCHEMA_VERSION = rust_const("journal.rs", "SCHEMA_VERSION")
ROW_JSON = rust_const("chain.rs", "ROW_JSON")


def link(previous, kind, entry):
    """chain.rs `link`: sha256(previous, kind, NUL, entry length as u64 big-endian, entry)."""
    data = entry.encode()
    return hashlib.sha256(previous + kind.encode() + b"\0" + len(data).to_bytes(8, "big") + data).digest()


def plan_digest(conn):
    """chain.rs `plan_digest`."""
    hash = hashlib.sha256()
    for sql in ("SELECT json_array(id, line, reference) FROM subjects ORDER BY id",
                "SELECT json_array(id, subject_id, vendor, vendor_id) FROM steps"
                " WHERE followed_from IS NULL ORDER BY id"):
        for (text,) in conn.execute(sql):
            hash.update(text.encode() + b"\n")
        hash.update(b"--\n")
    return "sha256:" + hash.hexdigest()


def chain(conn, salt):
    """Appends the plan record, then one record per step, each chained to the one before."""
    previous = hashlib.sha256(b"vendor-erase journal chain v1\0" + salt).digest()
    entry = plan_digest(conn)
    previous = link(previous, "plan", entry)
    conn.execute("INSERT INTO records (step_id, kind, entry, hash) VALUES (NULL, 'plan', ?, ?)", (entry, previous))
    rows = conn.execute(f"SELECT id, {ROW_JSON} FROM steps ORDER BY id")
    while batch := rows.fetchmany(100_000):
        records = []
        for step, entry in batch:
            previous = link(previous, "step", entry)
            records.append((step, entry, previous))
        conn.executemany("INSERT INTO records (step_id, kind, entry, hash) VALUES (?, 'step', ?, ?)", records)


def ids(n):
    return (f"AXbench{n:08}", f"{n:08x}-0000-4000-8000-00000000be4c", f"bench-{n:06}@example.test")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--subjects-csv")
    args = parser.parse_args()
    if os.path.exists(args.out):
        os.remove(args.out)
    conn = sqlite3.connect(args.out)
    conn.executescript(SCHEMA)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    salt = os.urandom(32)
    conn.execute("INSERT INTO meta (key, value) VALUES ('salt', ?), ('created_at', ?), ('tool_version', ?)",
                 (salt, 1_764_000_000_000, "0.1.0"))
    step = 0
    subjects, steps = [], []
    for n in range(1, args.subjects + 1):
        subjects.append((n, f"DSR-{n:07}", n + 1))
        attestr, trust, px = ids(n)
        for vendor, vendor_id in (("attestr", attestr), ("trust", trust), ("gainsight-px", px)):
            step += 1
            state, outcome, kind, problem, status = "done", None, None, None, 200
            if vendor == "attestr":
                outcome = "archived"
                if n % 1000 == 0:
                    state, outcome, kind, status = "failed", None, "unproven", 502
                    problem = f"HTTP 502: <html>bad gateway for {vendor_id}</html>"
            elif vendor == "trust":
                outcome = "deleted"
            else:
                outcome, status = ("not_found", 404) if n % 50 == 0 else ("deleted", 200)
            steps.append((step, n, vendor, vendor_id, state, 1, 0, 1, outcome, kind, problem, status,
                          f"req-{step}", 1_764_000_000_000 + step, 1_764_000_000_100 + step))
        if len(steps) >= 300_000:
            flush(conn, subjects, steps)
    flush(conn, subjects, steps)
    chain(conn, salt)
    conn.commit()
    conn.close()
    if args.subjects_csv:
        with open(args.subjects_csv, "w") as out:
            out.write("subject,attestr_profile_id,trust_uuid,gainsight_px_identify_id\n")
            for n in range(1, args.subjects + 1):
                out.write(",".join((f"DSR-{n:07}",) + ids(n)) + "\n")


def flush(conn, subjects, steps):
    conn.executemany("INSERT INTO subjects (id, reference, line) VALUES (?, ?, ?)", subjects)
    conn.executemany(
        "INSERT INTO steps (id, subject_id, vendor, vendor_id, state, sends, unsettled, attempts, outcome,"
        " problem_kind, problem, status, request_id, started_at, finished_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", steps)
    subjects.clear()
    steps.clear()


if __name__ == "__main__":
    main()
