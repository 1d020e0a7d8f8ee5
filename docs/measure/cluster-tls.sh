#!/bin/bash
# explore --cluster over Artery's TLS transport with mutual authentication, on loopback: makes a
# CA and node certificates with the JDK's keytool, runs a coordinator (--jobs 0: it only
# coordinates) and one worker JVM over tls-tcp, and checks that
#   1. the cluster run over TLS gives the same runs as a local explore (explore.json's
#      failures, first failure and replay command);
#   2. a worker whose certificate the CA did not sign cannot join (the TLS handshake fails; it
#      gives up after cowsim.cluster.hello-timeout with exit 2);
#   3. a worker on plain TCP cannot join a TLS coordinator either.
# usage: docs/measure/cluster-tls.sh [RUNS] [SCENARIO]      (after mvn package; from the repo root)
# prints one line per check and "tls: all checks passed" (exit 0), or what failed (exit 1).
set -u
RUNS=${1:-200}
SCENARIO=${2:-scenarios/racy-cow-threads.conf}
JAR=target/cowsim.jar
OUT=$(mktemp -d)
PORT=${PORT:-25750}
PASS=changeit-$$
echo "secret-for-the-tls-check" > "$OUT/secret"
fail() { echo "tls: FAILED: $*"; echo "outputs in $OUT"; exit 1; }

# --- keys: a CA, two nodes it signs, and a rogue node it did not sign (all PKCS12) ---
kt() { keytool "$@" -storetype PKCS12 -storepass "$PASS" -keypass "$PASS" -noprompt > /dev/null 2>&1; }
kt -genkeypair -alias ca -keyalg RSA -keysize 2048 -dname "CN=cowsim test CA" -ext bc:c -validity 2 -keystore "$OUT/ca.p12" || fail "keytool: CA"
kt -exportcert -rfc -alias ca -keystore "$OUT/ca.p12" -file "$OUT/ca.pem" || fail "keytool: CA export"
kt -importcert -alias ca -file "$OUT/ca.pem" -keystore "$OUT/trust.p12" || fail "keytool: trust store"
for node in coordinator worker; do
  kt -genkeypair -alias node -keyalg RSA -keysize 2048 -dname "CN=$node" -validity 2 -keystore "$OUT/$node.p12" || fail "keytool: $node"
  kt -certreq -alias node -keystore "$OUT/$node.p12" -file "$OUT/$node.csr" || fail "keytool: $node csr"
  kt -gencert -alias ca -keystore "$OUT/ca.p12" -infile "$OUT/$node.csr" -outfile "$OUT/$node.pem" -rfc -validity 2 || fail "keytool: sign $node"
  kt -importcert -alias ca -file "$OUT/ca.pem" -keystore "$OUT/$node.p12" || fail "keytool: $node chain"
  kt -importcert -alias node -file "$OUT/$node.pem" -keystore "$OUT/$node.p12" || fail "keytool: $node cert"
done
kt -genkeypair -alias node -keyalg RSA -keysize 2048 -dname "CN=rogue" -validity 2 -keystore "$OUT/rogue.p12" || fail "keytool: rogue"

# --- one config file per node: the README's block with this node's key store ---
conf() { # node -> file
  cat > "$OUT/$1.conf" <<EOF
cowsim.cluster.system.akka.remote.artery {
  transport = tls-tcp
  ssl.config-ssl-engine {
    key-store = "$OUT/$1.p12"
    trust-store = "$OUT/trust.p12"
    key-store-password = "$PASS"
    key-password = "$PASS"
    trust-store-password = "$PASS"
    protocol = "TLSv1.2"
    enabled-algorithms = [TLS_DHE_RSA_WITH_AES_128_GCM_SHA256]
    require-mutual-authentication = on
  }
}
cowsim.cluster.hello-timeout = 15s
EOF
}
conf coordinator; conf worker; conf rogue

# --- the local explore to compare with ---
java -jar $JAR explore "$SCENARIO" --runs "$RUNS" --out "$OUT/local" > "$OUT/local.txt" 2>&1
local_rc=$?
[ -f "$OUT/local/explore.json" ] || fail "the local explore wrote no explore.json (see $OUT/local.txt)"

# --- 1: coordinator and worker over TLS ---
port=$((PORT++))
java -Dconfig.file="$OUT/coordinator.conf" -jar $JAR explore "$SCENARIO" --runs "$RUNS" --jobs 0 --cluster --bind 127.0.0.1:$port \
  --secret-file "$OUT/secret" --out "$OUT/tls" > "$OUT/tls.txt" 2>&1 &
c=$!
java -Dconfig.file="$OUT/worker.conf" -jar $JAR worker --join 127.0.0.1:$port --secret-file "$OUT/secret" --jobs 1 > "$OUT/worker.txt" 2>&1 &
w=$!
wait $c; tls_rc=$?
wait $w; worker_rc=$?
[ -f "$OUT/tls/explore.json" ] || fail "the TLS cluster explore wrote no explore.json (see $OUT/tls.txt)"
[ "$tls_rc" = "$local_rc" ] || fail "exit codes differ: local $local_rc, TLS cluster $tls_rc"
[ "$worker_rc" = 0 ] || fail "the TLS worker exited $worker_rc (see $OUT/worker.txt)"
grep -q "joined" "$OUT/tls.txt" || fail "the coordinator never saw the worker join (see $OUT/tls.txt)"
pick() { # what must match: every run's (run, seed, trace_hash, outcome, kinds), the first failure's run and replay
  python3 -c 'import json,sys,hashlib
d=json.load(open(sys.argv[1])); f=d.get("first_failure") or {}
runs=[(r["run"],r["seed"],r["trace_hash"],r["outcome"],r["violation_kinds"]) for r in d["per_run"]]
print(len(runs), "runs,", d.get("failures"), "failing, first failure run", f.get("run"), "; per-run digest", hashlib.sha256(json.dumps(runs).encode()).hexdigest()[:16], "; replay", f.get("replay"))' "$1"
}
[ "$(pick "$OUT/local/explore.json")" = "$(pick "$OUT/tls/explore.json")" ] \
  || fail "explore.json differs: local [$(pick "$OUT/local/explore.json")], TLS [$(pick "$OUT/tls/explore.json")]"
echo "tls: 1 worker over tls-tcp with mutual authentication, the same runs as a local explore: $(pick "$OUT/tls/explore.json")"

# --- 2 and 3: a worker the CA did not sign, and a plain-TCP worker; the coordinator runs alone ---
port=$((PORT++))
java -Dconfig.file="$OUT/coordinator.conf" -jar $JAR explore "$SCENARIO" --runs 2000 --jobs 0 --cluster --bind 127.0.0.1:$port \
  --secret-file "$OUT/secret" --out "$OUT/alone" > "$OUT/alone.txt" 2>&1 &
c=$!
java -Dconfig.file="$OUT/rogue.conf" -jar $JAR worker --join 127.0.0.1:$port --secret-file "$OUT/secret" --jobs 1 > "$OUT/rogue.txt" 2>&1
rogue_rc=$?
java -Dcowsim.cluster.hello-timeout=15s -jar $JAR worker --join 127.0.0.1:$port --secret-file "$OUT/secret" --jobs 1 > "$OUT/plain.txt" 2>&1
plain_rc=$?
kill -TERM $c 2>/dev/null; wait $c 2>/dev/null
grep -q "joined" "$OUT/alone.txt" && fail "a worker without a CA-signed certificate joined (see $OUT/alone.txt)"
[ "$rogue_rc" = 2 ] || fail "the rogue worker exited $rogue_rc, not 2 (see $OUT/rogue.txt)"
[ "$plain_rc" = 2 ] || fail "the plain-TCP worker exited $plain_rc, not 2 (see $OUT/plain.txt)"
echo "tls: a worker whose certificate the CA did not sign: not let in, exit 2: $(grep -h '^cowsim:' "$OUT/rogue.txt" | head -1)"
echo "tls: a worker on plain TCP: not let in, exit 2: $(grep -h '^cowsim:' "$OUT/plain.txt" | head -1)"
echo "tls: all checks passed"
rm -rf "$OUT"
