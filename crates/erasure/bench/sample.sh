#!/usr/bin/env bash
# Makes the sample of docs/erasure.md: vendor-erase run, verify and report against the release
# sandbox on a free loopback port, with four made-up subjects. Prints what a person would see; the sandbox is
# stopped (by its pid) at the end.
#
#     bash crates/erasure/bench/sample.sh
set -euo pipefail
cd "$(dirname "$0")/../../.."
cargo build --release -q -p sandbox -p erasure
bin="$PWD/target/release"
work="$(mktemp -d "${TMPDIR:-/tmp}/vendor-erase-sample.XXXXXX")"
cd "$work"
cat > seed.json <<'JSON'
{"attestr_profiles": [{"_id": "AX1LgghsxZsJZUwYvN", "tag": "EX-1", "name": "Placeholder One"},
                      {"_id": "AX7pQwErTyUiOpAs2d", "tag": "EX-2", "name": "Placeholder Two"}],
 "trust_identities": [{"uuid": "0d4f6a36-5c1e-4b8e-9f2a-7c3d2e1f0a9b", "name": "Placeholder"},
                      {"uuid": "5b2e8c1a-3d4f-4e6a-8b9c-0d1e2f3a4b5c", "name": "Placeholder"}],
 "gainsight_px_users": [{"identifyId": "one@example.test", "propertyKeys": ["AP-XXXXXXXXXX-2"]}]}
JSON
cat > subjects.csv <<'CSV'
subject,attestr_profile_id,trust_uuid,gainsight_px_identify_id
DSR-1001,AX1LgghsxZsJZUwYvN,0d4f6a36-5c1e-4b8e-9f2a-7c3d2e1f0a9b,one@example.test
DSR-1002,AX7pQwErTyUiOpAs2d,,two@example.test
DSR-1003,,cccccccc-cccc-cccc-cccc-cccccccccccc,
DSR-1004,,5b2e8c1a-3d4f-4e6a-8b9c-0d1e2f3a4b5c,
CSV
"$bin/vendor-sandbox" --listen 127.0.0.1:0 --seed seed.json --log-level warn > sandbox.out &
sandbox=$!
trap 'kill "$sandbox" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do grep -q '^listening on' sandbox.out && break; sleep 0.1; done
base="$(sed -n 's/^listening on //p' sandbox.out | head -1)"
export ATTESTR_AUTH_TOKEN=c2FuZGJveC1hcHA6c2FuZGJveC1zZWNyZXQ= ATTESTR_BASE_URL="$base/attestr/api/{version}"
export TRUST_CLIENT_ID=sandbox-client TRUST_CLIENT_SECRET=sandbox-secret
export TRUST_INDEX_BASE_URL="$base/trust/index/v1" TRUST_ATENEA_BASE_URL="$base/atenea"
export GAINSIGHT_PX_API_KEY=sandbox-px-key GAINSIGHT_PX_BASE_URL="$base/gainsight-px"

echo '$ vendor-erase run subjects.csv --journal erasure.db --operator "Dana (privacy team)"'
status=0
"$bin/vendor-erase" run subjects.csv --journal erasure.db --operator "Dana (privacy team)" 2>&1 || status=$?
echo "(exit $status)"
echo '$ vendor-erase verify --journal erasure.db --operator "Dana (privacy team)"'
status=0
"$bin/vendor-erase" verify --journal erasure.db --operator "Dana (privacy team)" 2>&1 || status=$?
echo "(exit $status)"
echo '$ vendor-erase report --journal erasure.db --format markdown'
"$bin/vendor-erase" report --journal erasure.db --format markdown
