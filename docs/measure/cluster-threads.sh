#!/bin/bash
# Where the coordinator's CPU goes in steady state (Linux: reads /proc): a coordinator that only
# coordinates (--jobs 0) and 2 worker JVMs of one job; the coordinator's per-thread CPU ticks
# (1/100 s) between the console lines of run A and run B, grouped by thread name (C1/C2 are the
# JIT compilers, cowsim-akka.* the actor dispatchers and Artery, cowsim-scheduler Akka's timer
# thread); then, for the idle rate, a coordinator with no worker between 12 s and 27 s after start.
# usage: SCEN=FILE RUNS=N A=a B=b bash docs/measure/cluster-threads.sh   (after mvn package)
SCEN=${SCEN:-scenarios/racy-cow-threads.conf}; RUNS=${RUNS:-6000}; A=${A:-1000}; B=${B:-3000}
PORT=${PORT:-25780}; T=$(mktemp -d); echo s > $T/secret
snap() { for t in /proc/$1/task/*; do echo "$(tr ' ' _ < $t/comm) $(awk '{print $14, $15}' $t/stat)"; done | awk '{u[$1]+=$2; s[$1]+=$3} END {for (k in u) print k, u[k], s[k]}' | sort; }
java -jar target/cowsim.jar explore "$SCEN" --runs "$RUNS" --jobs 0 --cluster --bind 127.0.0.1:$PORT --secret-file $T/secret --out $T/c > $T/c.txt 2>&1 &
C=$!
for i in 1 2; do java -jar target/cowsim.jar worker --join 127.0.0.1:$PORT --secret-file $T/secret --jobs 1 > $T/w$i.txt 2>&1 & done
while ! grep -q "^run *$A " $T/c.txt; do sleep 0.05; done; snap $C > $T/s1; t1=$(date +%s%3N)
while ! grep -q "^run *$B " $T/c.txt; do sleep 0.05; done; snap $C > $T/s2; t2=$(date +%s%3N)
wait
echo "runs $A..$B of $SCEN: wall $((t2-t1)) ms; CPU ticks by thread:"
join $T/s1 $T/s2 | awk '{d=$4-$2+$5-$3; if (d>0) print "  " d, $1}' | sort -rn
java -jar target/cowsim.jar explore "$SCEN" --runs 10 --jobs 0 --cluster --bind 127.0.0.1:$((PORT+1)) --secret-file $T/secret --out $T/idle > $T/idle.txt 2>&1 &
I=$!
sleep 12; snap $I > $T/i1; sleep 15; snap $I > $T/i2; kill $I
echo "idle coordinator (no worker), 15 s: CPU ticks by thread:"
join $T/i1 $T/i2 | awk '{d=$4-$2+$5-$3; if (d>0) print "  " d, $1}' | sort -rn
