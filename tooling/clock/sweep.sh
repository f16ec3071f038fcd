#!/usr/bin/env bash
# `pnpm test:clock [instant…]`: the test suites that need no outside service, run with the clock
# moved to instants where a test that quietly assumes a time of day breaks: a day's first
# quarter-hour in UTC (today has no whole quarter-hour yet), the turn of a week, a month and a
# year while the suite runs, the DST switches of Europe and the US, and midnight in a half-hour
# zone. CI runs at whatever time it is started; this finds what would fail at those times.
#
# The clock starts at each instant and runs on (Debian's faketime: apt-get install faketime).
# The default instants lie in next year, after every fixture's date: an earlier clock would turn
# fixtures into events from the future. Postgres and Redis keep the real clock, so the suites run
# on PGlite with DATABASE_URL and REDIS_URL unset. The dashboard's browser tests are left out.
set -uo pipefail
cd "$(dirname "$0")/../.."

if ! command -v faketime >/dev/null; then
  echo "test:clock needs faketime: apt-get install faketime" >&2
  exit 2
fi

year=$(($(date -u +%Y) + 1))
day() { date -u -d "$1" +%F; }
# Last Sunday of March (Europe switches at 01:00 UTC), second Sunday of March (the US at 02:00
# local, 07:00 UTC in New York), first Sunday of November (06:00 UTC in New York).
eu_spring=$(day "$year-03-31 -$(($(date -u -d "$year-03-31" +%u) % 7)) days")
first_sunday() { day "$1 +$(((7 - $(date -u -d "$1" +%u)) % 7)) days"; }
us_spring=$(day "$(first_sunday "$year-03-01") +7 days")
us_autumn=$(first_sunday "$year-11-01")

if [ $# -gt 0 ]; then
  instants=("$@")
else
  instants=(
    "$year-02-03 00:02:00"           # a day's first quarter-hour in UTC
    "$(day "$eu_spring -7 days") 23:59:00" # Sunday into Monday: a new ISO week
    "$year-04-30 23:59:00"           # a new month
    "$year-12-31 23:59:00"           # a new year
    "$eu_spring 00:58:00"            # Europe springs forward
    "$us_spring 06:58:00"            # the US springs forward
    "$us_autumn 05:58:00"            # the US falls back
    "$year-06-30 18:28:00"           # midnight in Asia/Kolkata (+05:30), a new month there
  )
fi

packages=(packages/contract packages/reference packages/db packages/api apps/server)
failed=()
for instant in "${instants[@]}"; do
  for pkg in "${packages[@]}"; do
    echo "=== $pkg with the clock at $instant UTC"
    if ! (cd "$pkg" && env -u DATABASE_URL -u REDIS_URL TZ=UTC faketime "$instant" pnpm -s vitest run); then
      failed+=("$pkg at $instant")
    fi
  done
done

if [ ${#failed[@]} -gt 0 ]; then
  printf 'test:clock failed: %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "test:clock: every suite passed at each of ${#instants[@]} instant(s)"
