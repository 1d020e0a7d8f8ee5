#!/bin/sh
# The real-bugs scenarios (scenarios/real-bugs/): does each bug show from scratch, and is the fixed
# kernel clean? For each scenario: explore under its own profile (the buggy one) with
# --until-first, PCT and random, from each of the first seeds $SEEDS, printing the run at which the
# first failure came (any violation or failed assert; or "none in $MAX"); then under --profile linux, $RUNS PCT and $RUNS random
# schedules, printing the failures (0 expected).
#
#   sh docs/measure/real-bugs.sh                  # SEEDS="1 2 3" MAX=100 RUNS=300
#
# Needs target/cowsim.jar (mvn -B -q package -DskipTests). Outputs under $OUT (default runs/real-bugs).
set -u
SEEDS=${SEEDS:-"1 2 3"}
MAX=${MAX:-100}
RUNS=${RUNS:-300}
OUT=${OUT:-runs/real-bugs}
JAR=${JAR:-target/cowsim.jar}
FILES=${FILES:-"scenarios/real-bugs/*.conf"}
[ -f "$JAR" ] || { echo "real-bugs: $JAR not found (mvn -B -q package -DskipTests)" >&2; exit 2; }
mkdir -p "$OUT"
first() { sed -n 's/^first failure: run \([0-9]*\),.*/\1/p' "$1.log"; }
fails() { sed -n 's/^  "failures" : \([0-9]*\),$/\1/p' "$1/explore.json"; }
status=0
for f in $FILES; do
  name=$(basename "$f" .conf)
  echo "$f"
  for kind in pct random; do
    line=$(printf '  %-7s until first failure, own profile:' "$kind")
    for s in $SEEDS; do
      dir="$OUT/$name-$kind-$s"
      rm -rf "$dir"
      java -jar "$JAR" explore "$f" --expect-violations "" --strategy "$kind" --seed "$s" --runs "$MAX" --until-first --jobs 1 --out "$dir" > "$dir.log" 2>&1
      n=$(fails "$dir")
      if [ "${n:-0}" -gt 0 ]; then
        line="$line seed $s: run $(first "$dir");"
      else
        line="$line seed $s: none in $MAX;"
      fi
    done
    echo "$line"
  done
  for kind in pct random; do
    dir="$OUT/$name-linux-$kind"
    rm -rf "$dir"
    java -jar "$JAR" explore "$f" --profile linux --expect-violations "" --strategy "$kind" --runs "$RUNS" --out "$dir" > "$dir.log" 2>&1
    n=$(fails "$dir")
    [ "${n:-1}" = 0 ] || status=1
    printf '  %-7s under --profile linux: %s of %s runs failed\n' "$kind" "${n:-?}" "$RUNS"
  done
done
exit $status
