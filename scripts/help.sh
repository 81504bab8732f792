#!/usr/bin/env bash
# Usage: source "$(dirname "$0")/help.sh" near the top of a script.
# With --help or -h as its first argument, the script prints its own header comment (what it does
# and how to call it) and exits 0, before doing anything.
if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then
  sed -n '2,/^[^#]/{/^#/{s/^# \{0,1\}//;p}}' "$0"
  exit 0
fi
