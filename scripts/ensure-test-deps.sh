#!/usr/bin/env bash
# Part of `npm test`: brings the system programs the tests run for real on a machine that has only
# Node and apt — Debian's Chromium (browser end-to-end tests, driven by playwright-core) and
# redis-server (queue tests start their own on a loopback port). Installs only what is missing.
# Browsers are never downloaded by Playwright (`npx playwright install` is not used).
set -euo pipefail

chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
need=()
[ -x "$chromium" ] || need+=(chromium fonts-dejavu-core)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
[ ${#need[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "npm test needs: ${need[*]} (not found, and there is no apt-get to install them)." >&2
  echo "Install them with your package manager, or set CHROMIUM_PATH to a Chromium binary." >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "npm test needs: ${need[*]}; run as root or install them: apt-get install -y ${need[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
echo "npm test: installing ${need[*]} from Debian (apt-get, once)..."
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -y -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "npm test: installed ${need[*]}."
