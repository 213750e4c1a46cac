#!/usr/bin/env bash
# The whole test suite: lint, strict type-check, every vitest test (unit, conformance, interop,
# end-to-end in Chromium), then the built packages checked by publint and attw.
set -uo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n== %s\n' "$*"; }

step "package boundaries (each package imports only what its package.json declares; no cycle)"
node scripts/check-package-deps.mjs || exit 1
step "lint (biome)"
pnpm exec biome check . || exit 1
step "type-check (tsc --noEmit, strict)"
pnpm exec tsc -p tsconfig.json --noEmit || exit 1
step "tests (vitest: the unit, integration and e2e projects)"
mkdir -p test-artifacts
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json=test-artifacts/vitest.json
rc=$?
summary=$( [ -f test-artifacts/vitest.json ] && node scripts/print-test-summary.mjs test-artifacts/vitest.json) || rc=1
echo "$summary"
[ "$rc" -eq 0 ] || exit "$rc"
step "packages (tsup build, publint, attw)"
pnpm run check:packages || exit 1
step "documentation samples (every ts block of README.md, docs/ and the package READMEs compiles under NodeNext strict with TS 5 and 7; complete programs run)"
node scripts/check-doc-samples.mjs || exit 1
step "tutorial (packed tarballs installed with npm into fresh ESM and CommonJS apps outside the monorepo)"
node scripts/check-tutorial.mjs || exit 1
step "benchmarks (type-check and smoke run)"
pnpm bench:smoke || exit 1

# The totals once more, as the run's closing line.
echo
echo "$summary" | tail -n 1
