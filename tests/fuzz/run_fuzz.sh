#!/bin/sh
# run_fuzz.sh TARGET SEEDS WORK SECONDS: run a libFuzzer target (built with
# ASan + UBSan) for SECONDS from the seed corpus SEEDS; new inputs go to
# WORK/corpus (never into the source tree). libFuzzer exits non-zero on a
# crash, a sanitizer report, a leak, an input slower than 10 s or more
# than 1 GiB: the reproducer is kept in WORK/artifacts and printed.
set -u
bin=$1 seeds=$2 work=$3 secs=$4
rm -rf "$work/artifacts"
mkdir -p "$work/corpus" "$work/artifacts"
LSAN_OPTIONS=suppressions=$(dirname "$0")/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS} \
"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 \
	-print_final_stats=1 -artifact_prefix="$work/artifacts/" \
	"$work/corpus" "$seeds" 2>"$work/log"
rc=$?
tail -n 20 "$work/log"
if [ $rc -ne 0 ]; then
	echo "FAIL: $(basename "$bin") exited $rc; reproducers:"
	for f in "$work"/artifacts/*; do
		[ -f "$f" ] || continue
		echo "$f:"
		od -c "$f" | head -20
	done
	exit 1
fi
echo "$(basename "$bin"): $(grep -c . "$work/log") log lines, no crash, leak or timeout in $secs s"
