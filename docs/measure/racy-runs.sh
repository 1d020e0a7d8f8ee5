#!/bin/sh
# The racy scenario and how many runs it takes (README): for each strategy, the runs up to and
# including the first failure with first seeds 1..10 (--until-first), and the failing runs of 100
# with first seed 1. Deterministic: the same numbers on every machine for one build.
# Needs target/cowsim.jar (mvn -B -q package -DskipTests). Outputs under $OUT (default runs/racy-runs).
set -u
JAR=${JAR:-target/cowsim.jar}
OUT=${OUT:-runs/racy-runs}
F=scenarios/racy-cow-threads.conf
[ -f "$JAR" ] || { echo "racy-runs: $JAR not found (mvn -B -q package -DskipTests)" >&2; exit 2; }
field() { sed -n "s/^  \"$1\" : \([-0-9]*\),\{0,1\}$/\1/p" "$2/explore.json" | head -n 1; }
mkdir -p "$OUT"
printf '%-8s %-32s %s\n' strategy "runs needed, first seeds 1..10" "failing runs of 100 (first seed 1)"
for s in random pct; do
  needed=""
  for seed in 1 2 3 4 5 6 7 8 9 10; do
    d="$OUT/$s-$seed"; rm -rf "$d"
    java -jar "$JAR" explore $F --strategy $s --seed $seed --until-first --jobs 2 --out "$d" > "$d.log" 2>&1
    r=$(sed -n '/"first_failure"/,/}/s/^ *"run" : \([0-9]*\),\{0,1\}$/\1/p' "$d/explore.json" | head -n 1)
    needed="$needed $((r + 1))"
  done
  d="$OUT/$s-100"; rm -rf "$d"
  java -jar "$JAR" explore $F --strategy $s --seed 1 --runs 100 --jobs 2 --out "$d" > "$d.log" 2>&1
  printf '%-8s %-32s %s\n' "$s" "$needed" "$(field failures "$d")"
done
