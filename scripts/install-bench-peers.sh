#!/usr/bin/env bash
# Installs the peers that scripts/bench_routingkit.py times our travel-time queries against:
# RoutingKit's contraction hierarchies through its PyPI bindings (routingkit-cch, pyroutingkit),
# with numpy and scipy, pinned in scripts/bench-routingkit-requirements.txt, into a virtual
# environment of the repository's own, .bench-venv (nothing goes into the system's Python).
#
#     bash scripts/install-bench-peers.sh && .bench-venv/bin/python scripts/bench_routingkit.py DIR
#
# Safe to run again: does nothing when .bench-venv already holds the pinned set.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.bench-venv"
requirements="$root/scripts/bench-routingkit-requirements.txt"
stamp="$venv/.installed"

if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$stamp" -nt "$requirements" ] &&
    "$venv/bin/python" -c 'import routingkit_cch, numpy, scipy' >/dev/null 2>&1; then
    echo "bench peers: .bench-venv present"
    exit 0
fi

if [ ! -x "$venv/bin/python" ]; then
    echo "bench peers: creating .bench-venv"
    if ! python3 -m venv "$venv" >/dev/null 2>&1; then
        # Debian's python3 ships venv separately.
        rm -rf "$venv"
        sudo=""
        if [ "$(id -u)" -ne 0 ]; then
            sudo="sudo"
        fi
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
            python3-venv
        python3 -m venv "$venv"
    fi
fi

echo "bench peers: pip install -r scripts/bench-routingkit-requirements.txt into .bench-venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$requirements"
"$venv/bin/python" -c 'import routingkit_cch, numpy, scipy'
touch "$stamp"
echo "bench peers: ready ($venv)"
