#!/bin/sh
# Builds every libFuzzer target in tests/fuzz with clang (ASan + UBSan) and
# runs each for FUZZ_SECONDS (default 15) from its seed corpus. A crash, leak
# or sanitizer report fails that target. Prints "N passed, N failed".
# Longer runs: FUZZ_SECONDS=600 tests/fuzz/run.sh
# Some only: FUZZ_ONLY=store-record tests/fuzz/run.sh (names containing it)
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
out=${CRISPIN_FUZZ_OUT:-${TMPDIR:-/tmp}/crispin-fuzz.$$}
seconds=${FUZZ_SECONDS:-15}
cc=${FUZZ_CC:-clang}
mkdir -p "$out"

if ! command -v "$cc" >/dev/null 2>&1; then
	echo "FAIL - $cc not found: the fuzz targets need clang with libFuzzer"
	echo "0 passed, 1 failed"
	exit 1
fi

# Everything that parses network input, without the session and CLI layers
# (the config layer for the draft writer's options).
sources=$(ls "$srcdir"/src/lib/*.c "$srcdir"/src/imap/*.c "$srcdir"/src/net/sasl.c "$srcdir"/src/net/sasl_scram.c \
    "$srcdir"/src/mime/*.c "$srcdir"/src/smtp/reply.c "$srcdir"/src/mail/query*.c \
    "$srcdir"/src/mail/msgmap.c "$srcdir"/src/mail/intern.c "$srcdir"/src/mail/header.c \
    "$srcdir"/src/mail/draft.c "$srcdir"/src/mail/draft_recall.c "$srcdir"/src/mail/addrbook.c \
    "$srcdir"/src/net/event.c "$srcdir"/src/config/*.c "$srcdir"/src/store/record.c |
    grep -v '/client')
passed=0
failed=0
for target in "$srcdir"/tests/fuzz/fuzz-*.c; do
	name=$(basename "$target" .c)
	case $name in *"${FUZZ_ONLY:-}"*) ;; *) continue ;; esac
	corpus_name=${name#fuzz-}
	bin="$out/$name"
	if ! $cc -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=undefined -I"$srcdir/include" $sources "$target" \
	    $(pkg-config --cflags --libs gnutls) -o "$bin" >"$out/$name.build.log" 2>&1; then
		echo "FAIL - $name: build failed"
		sed 's/^/    /' "$out/$name.build.log" | head -20
		failed=$((failed + 1))
		continue
	fi
	work="$out/$name.corpus"
	mkdir -p "$work"
	seeds="$srcdir/tests/fuzz/corpus/$corpus_name"
	[ -d "$seeds" ] || seeds=
	if (cd "$out" && "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    "$work" $seeds >"$out/$name.log" 2>&1); then
		echo "ok - $name ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$out/$name.log" |
		    awk "{print \$2}") runs in ${seconds}s)"
		passed=$((passed + 1))
	else
		echo "FAIL - $name: see $out/$name.log"
		grep -E 'ERROR|runtime error|SUMMARY' "$out/$name.log" | head -5 | sed 's/^/    /'
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ $failed = 0 ]
