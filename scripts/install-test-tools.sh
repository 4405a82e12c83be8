#!/usr/bin/env bash
# Installs what the test suite needs beyond the Rust toolchain:
# - xmllint (libxml2-utils): the LoST tests validate every response against the RFC 5222
#   RELAX NG grammar with it.
# - schemathesis and openapi-spec-validator (PyPI, pinned in scripts/api-fuzz-requirements.txt,
#   in .test-tools/venv): the API is fuzzed from its OpenAPI description, which is validated.
# - Chromium (chromium, chromium-driver), Node.js and npm: the web console's end-to-end tests
#   drive Debian's headless Chromium with playwright-core (no browser is downloaded), pinned in
#   web/tests/package-lock.json and installed there with `npm ci`.
# Safe to run again; does nothing when everything is there. Needs root (or sudo) for apt.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

missing=()
command -v xmllint >/dev/null 2>&1 || missing+=(libxml2-utils)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -eq 0 ]; then
    echo "test tools: system packages present"
else
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        sudo="sudo"
    fi
    echo "test tools: installing ${missing[*]}"
    $sudo apt-get update -qq || echo "test tools: apt-get update failed; trying the cached package lists"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The console tests' one npm package, exactly as locked; never a browser download.
tests="$root/web/tests"
if [ -f "$tests/node_modules/playwright-core/package.json" ] &&
    [ "$tests/node_modules/.package-lock.json" -nt "$tests/package-lock.json" ]; then
    echo "test tools: web/tests/node_modules present"
else
    echo "test tools: npm ci in web/tests"
    (cd "$tests" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi

# The API fuzzer (schemathesis) and the OpenAPI validator, pinned, in a virtual environment of
# the project's own (.test-tools/venv), so nothing is installed into the system's Python.
venv="$root/.test-tools/venv"
requirements="$root/scripts/api-fuzz-requirements.txt"
if [ -x "$venv/bin/schemathesis" ] && [ "$venv/.installed" -nt "$requirements" ]; then
    echo "test tools: .test-tools/venv present"
else
    echo "test tools: schemathesis and openapi-spec-validator into .test-tools/venv"
    if ! python3 -m venv "$venv" >/dev/null 2>&1; then
        sudo=""
        if [ "$(id -u)" -ne 0 ]; then
            sudo="sudo"
        fi
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3-venv
        python3 -m venv "$venv"
    fi
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"
    touch "$venv/.installed"
fi
