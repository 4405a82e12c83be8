#!/usr/bin/env bash
# Installs what the test suite needs beyond the Rust toolchain, from Debian's packages:
# - xmllint (libxml2-utils): the LoST tests validate every response against the RFC 5222
#   RELAX NG grammar with it.
# Safe to run again; does nothing when everything is there. Needs root (or sudo) for apt.
set -euo pipefail

missing=()
command -v xmllint >/dev/null 2>&1 || missing+=(libxml2-utils)

if [ ${#missing[@]} -eq 0 ]; then
    echo "test tools: all present"
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
echo "test tools: installing ${missing[*]}"
$sudo apt-get update -qq || echo "test tools: apt-get update failed; trying the cached package lists"
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
