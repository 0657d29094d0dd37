#!/usr/bin/env bash
# Vendor libsodium's JavaScript build (the sumo variant: it has crypto_pwhash, Argon2id) into
# static/vendor/, for opening reports in the browser (static/js/open-report.js). No CDN: the
# inbox serves these files itself, under its own Content-Security-Policy.
#
# Repeatable: both packages are pinned to exact versions (the wrapper's dependency on
# libsodium-sumo is a range, so it is pinned here too), fetched with `npm pack` from the npm
# registry, checked against the registry's integrity hash, and the copied files' sha256 sums
# are written to static/vendor/README.md. Run it again with the same versions and the files and
# the README come out byte for byte the same.
#
#   scripts/vendor_libsodium.sh                 # the pinned versions below
#   scripts/vendor_libsodium.sh 0.8.4 0.8.4     # wrappers version, libsodium-sumo version
set -euo pipefail

WRAPPERS_VERSION="${1:-0.8.4}"
CORE_VERSION="${2:-$WRAPPERS_VERSION}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/static/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

fetch() {  # name version -> unpacked into $WORK/name/package; prints the registry's integrity
    local name="$1" version="$2"
    mkdir -p "$WORK/$name"
    (cd "$WORK/$name" && npm pack --silent --json "$name@$version" > pack.json)
    local tarball integrity
    tarball="$(node -e 'console.log(require(process.argv[1])[0].filename)' "$WORK/$name/pack.json")"
    integrity="$(node -e 'console.log(require(process.argv[1])[0].integrity)' "$WORK/$name/pack.json")"
    # npm pack already checks the tarball against the registry's integrity; check it again here
    # so a corrupted cache cannot slip through unnoticed.
    local actual
    actual="sha512-$(openssl dgst -sha512 -binary "$WORK/$name/$tarball" | base64 -w0)"
    if [ "$actual" != "$integrity" ]; then
        echo "integrity mismatch for $name@$version: $actual != $integrity" >&2
        exit 1
    fi
    tar -xzf "$WORK/$name/$tarball" -C "$WORK/$name"
    local got
    got="$(node -e 'console.log(require(process.argv[1]).version)' "$WORK/$name/package/package.json")"
    if [ "$got" != "$version" ]; then
        echo "asked for $name@$version, got $got" >&2
        exit 1
    fi
    echo "$integrity"
}

CORE_INTEGRITY="$(fetch libsodium-sumo "$CORE_VERSION")"
WRAPPERS_INTEGRITY="$(fetch libsodium-wrappers-sumo "$WRAPPERS_VERSION")"

# The wrapper must accept this core version (its dependency is a semver range).
node -e '
  const [want, have] = [process.argv[1], process.argv[2]];
  const m = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(want);
  const v = have.split(".").map(Number);
  if (!m) { console.error("unexpected dependency range " + want); process.exit(1); }
  const [a, b, c] = m.slice(1).map(Number);
  const ok = a === 0 ? v[0] === 0 && v[1] === b && v[2] >= c : v[0] === a && (v[1] > b || (v[1] === b && v[2] >= c));
  if (!ok) { console.error("libsodium-wrappers-sumo wants libsodium-sumo " + want + ", not " + have); process.exit(1); }
' "$(node -e 'console.log(require(process.argv[1]).dependencies["libsodium-sumo"])' "$WORK/libsodium-wrappers-sumo/package/package.json")" "$CORE_VERSION"

mkdir -p "$OUT"
# The UMD builds: loaded with plain <script> tags, libsodium-sumo.js defines window.libsodium
# (the WebAssembly module, embedded) and libsodium-wrappers-sumo.js defines window.sodium.
cp "$WORK/libsodium-sumo/package/dist/modules-sumo/libsodium-sumo.js" "$OUT/libsodium-sumo.js"
cp "$WORK/libsodium-wrappers-sumo/package/dist/modules-sumo/libsodium-wrappers.js" "$OUT/libsodium-wrappers-sumo.js"
cp "$WORK/libsodium-sumo/package/LICENSE" "$OUT/LICENSE.libsodium-sumo"
cp "$WORK/libsodium-wrappers-sumo/package/LICENSE" "$OUT/LICENSE.libsodium-wrappers-sumo"

sums="$(cd "$OUT" && sha256sum libsodium-sumo.js libsodium-wrappers-sumo.js LICENSE.libsodium-sumo LICENSE.libsodium-wrappers-sumo)"

cat > "$OUT/README.md" <<README
# Vendored: libsodium's JavaScript build

Used by \`static/js/open-report.js\` to open a sealed report in the browser: Argon2id
(\`crypto_pwhash\`), secretbox and sealed boxes, the same primitives \`sealing.py\` uses through
PyNaCl. Only the sumo variant has \`crypto_pwhash\`.

Written by \`scripts/vendor_libsodium.sh\`; do not edit these files by hand. To update, run the
script with new versions and commit what it writes, this README included.

| package | version | npm integrity |
| --- | --- | --- |
| libsodium-sumo | $CORE_VERSION | \`$CORE_INTEGRITY\` |
| libsodium-wrappers-sumo | $WRAPPERS_VERSION | \`$WRAPPERS_INTEGRITY\` |

Files (from \`dist/modules-sumo/\` of each package) and their sha256:

\`\`\`
$sums
\`\`\`

Licence: ISC, in \`LICENSE.libsodium-sumo\` and \`LICENSE.libsodium-wrappers-sumo\`.

The WebAssembly module is embedded in \`libsodium-sumo.js\`; compiling it needs
\`'wasm-unsafe-eval'\` in the Content-Security-Policy, which only the page that opens a report
sends (\`inbox/opening.py\`).
README

echo "vendored libsodium-wrappers-sumo $WRAPPERS_VERSION and libsodium-sumo $CORE_VERSION into $OUT"
