#!/bin/sh
# Redraws docs/img/report-stale-tlb.png, the README's picture of report.html: the bug library's
# stale TLB entry after a COW copy, run as the README shows, its report page taken by headless
# Chromium (the Debian package `chromium`) as HtmlReportBrowserTest takes it.
#
#   sh docs/measure/screenshot.sh
#
# Needs target/cowsim.jar (mvn -B -q package -DskipTests).
set -eu
cd "$(dirname "$0")/../.."
out=$(mktemp -d)
java -jar target/cowsim.jar run scenarios/bugs/stale-tlb-after-cow-copy.conf --out "$out/run" > "$out/run.log" 2>&1 || true
[ -f "$out/run/report.html" ] || { cat "$out/run.log" >&2; exit 1; }
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "screenshot: chromium not found (apt-get install -y chromium)" >&2; exit 2; }
"$browser" --headless --disable-gpu --no-sandbox --no-first-run --user-data-dir="$out/profile" \
  --hide-scrollbars --window-size=1200,1500 --screenshot="$PWD/docs/img/report-stale-tlb.png" \
  "file://$out/run/report.html" > "$out/chromium.log" 2>&1
rm -rf "$out"
ls -l docs/img/report-stale-tlb.png
