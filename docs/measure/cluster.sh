#!/bin/bash
# explore --cluster on this machine: schedules/s with 1, 2 and 3 worker JVMs (the coordinator
# only coordinates: --jobs 0) next to a local explore, and the coordinator's CPU time per run.
# usage: docs/measure/cluster.sh [RUNS] [SCENARIO]      (after mvn package; from the repo root)
set -e
RUNS=${1:-3000}
SCENARIO=${2:-scenarios/racy-cow-threads.conf}
JAR=target/cowsim.jar
OUT=$(mktemp -d)
PORT=${PORT:-25650}
echo "secret-for-the-measure" > "$OUT/secret"
TIMEFORMAT='%R %U %S'
rate() { # runs, wall seconds of the explore line
  awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'
}
explore_secs() { grep -o '^runs: [0-9]* .*in [0-9.]* s' "$1" | grep -o '[0-9.]* s$' | cut -d' ' -f1; }

java -jar $JAR explore "$SCENARIO" --runs "$RUNS" --out "$OUT/local" > "$OUT/local.txt" 2>&1 || true
s=$(explore_secs "$OUT/local.txt")
echo "local explore (--jobs = cores): $RUNS runs in $s s = $(rate "$RUNS" "$s") schedules/s"

# coordinator CPU time (user + sys, JVM start included) for a given run count, one worker
coord_cpu() { # runs workers -> prints "cpu_seconds explore_seconds"
  local runs=$1 workers=$2 port=$((PORT++)) pids=()
  ( time java -jar $JAR explore "$SCENARIO" --runs "$runs" --jobs 0 --cluster --bind 127.0.0.1:$port \
      --secret-file "$OUT/secret" --out "$OUT/c$runs-$workers" > "$OUT/c$runs-$workers.txt" 2>&1 ) 2> "$OUT/time$runs-$workers" &
  local c=$!
  for i in $(seq 1 "$workers"); do
    java -jar $JAR worker --join 127.0.0.1:$port --secret-file "$OUT/secret" --jobs 1 > "$OUT/w$runs-$workers-$i.txt" 2>&1 &
    pids+=($!)
  done
  wait $c || true
  wait "${pids[@]}" || true
  read -r _ u s < <(tail -1 "$OUT/time$runs-$workers")
  echo "$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }') $(explore_secs "$OUT/c$runs-$workers.txt")"
}

for w in 1 2 3; do
  read -r cpu secs < <(coord_cpu "$RUNS" $w)
  echo "cluster, $w worker JVM(s) x 1 job: $RUNS runs in $secs s = $(rate "$RUNS" "$secs") schedules/s (coordinator CPU $cpu s)"
done
# the coordinator's marginal CPU per run: the difference of two run counts, so JVM start and the
# first failure's replay cancel out
read -r cpu1 _ < <(coord_cpu $((RUNS / 3)) 1)
read -r cpu2 _ < <(coord_cpu "$RUNS" 1)
awk -v a="$cpu1" -v b="$cpu2" -v n=$((RUNS - RUNS / 3)) 'BEGIN { printf "coordinator overhead: %.3f ms CPU per run (%d extra runs: %.2f s -> %.2f s)\n", 1000 * (b - a) / n, n, a, b }'
echo "outputs in $OUT"
