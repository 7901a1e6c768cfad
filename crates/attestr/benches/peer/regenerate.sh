#!/usr/bin/env bash
# Regenerates the peer client (src/ and Cargo.toml beside this script) from spec/dist/attestr.json
# with openapi-generator's `rust` generator, pinned below. Needs python3 and Java 11+ on PATH;
# the generator is installed from PyPI into a throwaway venv under /tmp.
set -euo pipefail

GENERATOR_VERSION=7.26.0
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../../.." && pwd)"
venv="${PEER_VENV:-/tmp/openapi-generator-$GENERATOR_VERSION}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

if [ ! -x "$venv/bin/openapi-generator-cli" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "openapi-generator-cli==$GENERATOR_VERSION"
fi

"$venv/bin/openapi-generator-cli" generate \
    -i "$repo/spec/dist/attestr.json" \
    -g rust \
    --library reqwest \
    -o "$out" \
    --additional-properties=packageName=attestr-peer,reqwestDefaultFeatures=rustls,hideGenerationTimestamp=true \
    >/dev/null

# The bench compares the clients with the same reqwest features: the workspace's reqwest line
# (json, query, stream, and rustls through the peer's default feature) replaces the generator's
# (json, multipart, query, form; the generated code uses neither multipart nor form). The
# generator's `native-tls` feature goes: no OpenSSL anywhere in the tree, not even in Cargo.lock.
sed -i \
    -e '/^native-tls = /d' \
    -e 's/^reqwest = .*/reqwest = { version = "^0.13", default-features = false, features = ["json", "query", "stream"] }/' \
    -e 's/^license = .*/license = "Unlicense"\npublish = false/' \
    "$out/Cargo.toml"
grep -q '"json", "query", "stream"' "$out/Cargo.toml"
# `cargo clippy -- -D warnings` reaches path dependencies too, and the generated code has
# clippy's style warnings (needless `return`); the workspace's rules are for the project's code.
printf '\n[lints.clippy]\nall = "allow"\n' >>"$out/Cargo.toml"
# `cargo fmt --all` reaches path dependencies too: the generated code is kept rustfmt-clean.
rustfmt --edition 2021 "$out/src/lib.rs"

rm -rf "$here/src"
cp -r "$out/src" "$here/src"
cp "$out/Cargo.toml" "$here/Cargo.toml"
echo "regenerated $here with openapi-generator $GENERATOR_VERSION"
