#!/bin/sh
# Zero false positives, measured (issue 9, item 11): every clean scenario, bug scenario, ported
# Linux selftest and real bug,
# under the linux profile, explored over $RUNS PCT and $RUNS random schedules, plus $CONC
# concurrent-mode runs; any violation or failed assert is a false positive (the linux profile is
# the correct kernel). Prints one line per scenario and a total; exit 1 if any run failed.
#
#   sh docs/measure/false-positives.sh            # RUNS=300 CONC=20 (about 25 min on 2 cores)
#   RUNS=20 CONC=2 FILES=scenarios/bugs/*.conf sh docs/measure/false-positives.sh  # a quick look
#
# Needs target/cowsim.jar (mvn -B -q package -DskipTests). Outputs under $OUT (default
# runs/false-positives): one explore.json per scenario and strategy.
set -u
RUNS=${RUNS:-300}
CONC=${CONC:-20}
OUT=${OUT:-runs/false-positives}
JAR=${JAR:-target/cowsim.jar}
FILES=${FILES:-"scenarios/*.conf scenarios/bugs/*.conf scenarios/linux-selftests/*.conf scenarios/real-bugs/*.conf"}
[ -f "$JAR" ] || { echo "false-positives: $JAR not found (mvn -B -q package -DskipTests)" >&2; exit 2; }

failures() { sed -n 's/^  "failures" : \([0-9]*\),$/\1/p' "$1/explore.json"; }
distinct() { sed -n 's/^  "distinct_trace_hashes" : \([0-9]*\),$/\1/p' "$1/explore.json"; }

total=0
runs=0
printf '%-52s %11s %11s %11s %9s\n' scenario "pct fail" "random fail" "conc fail" distinct
mkdir -p "$OUT"
for f in $FILES; do
  name=$(echo "$f" | sed 's|scenarios/||; s|\.conf$||; s|/|-|g')
  line=$(printf '%-52s' "$f")
  d=0
  for kind in pct random concurrent; do
    dir="$OUT/$name-$kind"
    rm -rf "$dir"
    case $kind in
      concurrent) set -- --mode concurrent --runs "$CONC"; n=$CONC ;;
      *) set -- --strategy "$kind" --runs "$RUNS"; n=$RUNS ;;
    esac
    java -jar "$JAR" explore "$f" --profile linux --expect-violations "" "$@" --out "$dir" > "$dir.log" 2>&1
    rc=$?
    if [ ! -f "$dir/explore.json" ] || [ $rc -gt 1 ]; then
      echo "false-positives: $f $kind: explore exited $rc (see $dir.log)" >&2
      exit 3
    fi
    fl=$(failures "$dir")
    [ "$kind" = concurrent ] || d=$((d + $(distinct "$dir")))
    total=$((total + fl))
    runs=$((runs + n))
    line="$line $(printf '%5s/%-5s' "$fl" "$n")"
  done
  echo "$line $(printf '%9s' "$d")"
done
echo "total: $total failing runs of $runs (profile linux; RUNS=$RUNS CONC=$CONC)"
[ "$total" -eq 0 ]
