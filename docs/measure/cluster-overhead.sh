#!/bin/bash
# The coordinator's CPU per run at over 1,000 runs/s (Linux: reads /proc). A coordinator that only
# coordinates (--jobs 0) and WORKERS worker JVMs of one job explore docs/measure/exit-at-once.conf
# (a run of about 0.4 ms): the coordinator's CPU ticks (1/100 s, all its threads) between the
# console lines of run A and run B, in all and without the JIT compiler threads (a warm-up cost
# that a long exploration amortizes); then the same coordinator idle (no worker) for 15 s (from 20 s
# after its start, without the JIT threads too), whose
# CPU per second is the floor paid whatever the rate: at 1,000 runs/s it weighs 1000/rate times more
# per run than at the rate measured, hence the estimate for 1,000 runs/s: per run measured without
# the JIT + idle CPU per second x (1/1000 - 1/rate). The JIT's CPU from the start to run B is printed
# too: a warm-up cost, per run the less the longer the exploration.
# usage: [RUNS=N A=a B=b WORKERS=w COORD_OPTS="-Dcowsim.cluster.batch-max=64"] bash docs/measure/cluster-overhead.sh   (after mvn package)
SCEN=${SCEN:-docs/measure/exit-at-once.conf}; RUNS=${RUNS:-60000}; A=${A:-20000}; B=${B:-55000}; WORKERS=${WORKERS:-1}
PORT=${PORT:-25880}; T=$(mktemp -d); echo s > $T/secret
HZ=$(getconf CLK_TCK)
# per-thread-name CPU ticks (user + sys) of a process
snap() { for t in /proc/$1/task/*; do echo "$(tr ' ' _ < $t/comm) $(awk '{print $14 + $15}' $t/stat)"; done | awk '{c[$1]+=$2} END {for (k in c) print k, c[k]}' | sort; }
# ticks between two snaps: all threads, and those not named C1/C2 (the JIT compilers)
delta() { join "$1" "$2" | awk '{d=$3-$2; all+=d; if ($1 !~ /^C[12]_Compiler/) nojit+=d} END {print all+0, nojit+0}'; }
java $COORD_OPTS -jar target/cowsim.jar explore "$SCEN" --runs "$RUNS" --jobs 0 --cluster --bind 127.0.0.1:$PORT --secret-file $T/secret --out $T/c > $T/c.txt 2>&1 &
C=$!
for i in $(seq 1 "$WORKERS"); do java -jar target/cowsim.jar worker --join 127.0.0.1:$PORT --secret-file $T/secret --jobs 1 > $T/w$i.txt 2>&1 & done
while ! grep -q "^run *$A " $T/c.txt; do sleep 0.02; done; snap $C > $T/s1; t1=$(date +%s%N)
while ! grep -q "^run *$B " $T/c.txt; do sleep 0.02; done; snap $C > $T/s2; t2=$(date +%s%N)
wait
read -r all nojit < <(delta $T/s1 $T/s2)
jit=$(awk '$1 ~ /^C[12]_Compiler/ {j += $2} END {print j + 0}' $T/s2)
java -jar target/cowsim.jar explore "$SCEN" --runs 10 --jobs 0 --cluster --bind 127.0.0.1:$((PORT+1)) --secret-file $T/secret --out $T/idle > $T/idle.txt 2>&1 &
I=$!
sleep 20; snap $I > $T/i1; i1=$(date +%s%N); sleep 15; snap $I > $T/i2; i2=$(date +%s%N); kill $I; wait $I 2>/dev/null
read -r idleall idle < <(delta $T/i1 $T/i2)
awk -v n=$((B - A)) -v ns=$((t2 - t1)) -v all="$all" -v nojit="$nojit" -v idle="$idle" -v idleall="$idleall" -v jit="$jit" -v ins=$((i2 - i1)) -v hz="$HZ" -v w="$WORKERS" -v a="$A" -v b="$B" 'BEGIN {
  s = ns / 1e9; rate = n / s; us = 1e6 / hz / n; idlePerSec = idle / hz / (ins / 1e9)
  printf "%d runs of exit-at-once (run %d to %d), %d worker JVM(s) x 1 job: %.1f s, %.0f runs/s\n", n, a, b, w, s, rate
  printf "coordinator CPU per run: %.1f us in all, %.1f us without the JIT compiler threads\n", all * us, nojit * us
  est = nojit * us + 1e6 * idlePerSec * (1 / 1000 - 1 / rate)
  printf "JIT compiler threads from the start to run %d: %.2f s CPU, %.1f us per run over those %d runs\n", b, jit / hz, 1e6 * jit / hz / b, b
  printf "idle coordinator (no worker): %.1f ms CPU per second without the JIT (%.1f with it)\n", 1000 * idlePerSec, 1000 * idleall / hz / (ins / 1e9)
  printf "estimate at 1,000 runs/s, without the JIT: %.1f us per run = %.1f%% of a run of 1 ms (target: under 5%%)\n", est, est / 10
}'
