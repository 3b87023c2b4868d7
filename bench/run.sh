#!/usr/bin/env bash
# Side-by-side WebSocket benchmarks: every contender as its own server
# process, the same load generator for all, scenarios interleaved (for each
# round, each scenario, each contender in turn), then a table of medians
# with min–max.
#
#   ./run.sh                              # everything, 3 rounds (~15 min on 2 cores)
#   SCENARIOS=echo ROUNDS=1 ./run.sh      # a subset
#
# Environment:
#   ROUNDS=3                 rounds
#   SCENARIOS="idle echo fanout paced cluster"
#   CONTENDERS="..."         restrict every scenario to these contenders
#   DURATION=2s              measurement time per echo/fan-out run (after a 0.5 s warm-up)
#   PACED_DURATION=4s        measurement time of the paced fan-out (after a 1 s warm-up)
#   IDLE_CONNS=10000         connections of the idle scenario
#   ECHO_CLIENTS="100 1000"  client counts of the echo scenario
#   FANOUT_CASES="1000:64 1000:1024 5000:64 5000:1024 15000:64"   burst fan-out cases, subscribers:bytes
#   CLUSTER_BROKERS="redis nats"   brokers of the two-instance scenario
#   CLUSTER_SUBS=2000        subscribers of the two-instance scenario (and of its in-process reference)
#   BUN_VERSION=1.4.5        version of the npm package @oven/bun-linux-x64 installed into .bun/
#   BUN=path                 a bun binary to use instead of installing one
#   PROFILE=1                write CPU profiles of the nexo servers to $OUT/prof
#   OUT=results/<time>       where results.jsonl, report.md and logs go
set -euo pipefail
cd "$(dirname "$0")"

ROUNDS=${ROUNDS:-3}
SCENARIOS=${SCENARIOS:-"idle echo fanout paced cluster"}
DURATION=${DURATION:-2s}
PACED_DURATION=${PACED_DURATION:-4s}
IDLE_CONNS=${IDLE_CONNS:-10000}
ECHO_CLIENTS=${ECHO_CLIENTS:-"100 1000"}
FANOUT_CASES=${FANOUT_CASES:-"1000:64 1000:1024 5000:64 5000:1024 15000:64"}
CLUSTER_BROKERS=${CLUSTER_BROKERS:-"redis nats"}
CLUSTER_SUBS=${CLUSTER_SUBS:-2000}
BUN_VERSION=${BUN_VERSION:-1.4.5}
BUN=${BUN:-}
PROFILE=${PROFILE:-}
OUT=${OUT:-results/$(date +%Y%m%d-%H%M%S)}
BIN=${BIN:-$PWD/.bin}

ALL_FANOUT="nexo-group nexo-join nexo-broadcast gorilla-hub gorilla-prepared melody gws centrifuge bun"
# Echo does not differ between the nexo variants (or the two gorilla ones),
# so one of each runs there.
ALL_ECHO="nexo-group gorilla-hub melody gws centrifuge bun"
# Idle connections sit on /fanout, where the nexo variants keep different
# state (a group member, a broker subscription, nothing).
ALL_IDLE="nexo-group nexo-join nexo-broadcast gorilla-hub melody gws centrifuge bun"

mkdir -p "$OUT" "$BIN"
RESULTS=$OUT/results.jsonl
LOG=$OUT/run.log
: >"$RESULTS"
: >"$LOG"
[ -n "$PROFILE" ] && mkdir -p "$OUT/prof"

echo "building into $BIN" >&2
GOFLAGS=${GOFLAGS:--mod=mod} go build -o "$BIN/server" ./server
GOFLAGS=${GOFLAGS:--mod=mod} go build -o "$BIN/load" ./load

# Bun (Bun.serve, uWebSockets underneath) comes from the npm registry: the
# package @oven/bun-linux-x64 carries the binary, installed into .bun/ on
# first use. Without npm (or without the registry) bun is skipped.
if [ -z "$BUN" ] && { [ -z "${CONTENDERS:-}" ] || [[ " $CONTENDERS " == *" bun "* ]]; }; then
	BUN=$PWD/.bun/node_modules/@oven/bun-linux-x64/bin/bun
	if [ ! -x "$BUN" ] || [ "$("$BUN" --version 2>/dev/null)" != "$BUN_VERSION" ]; then
		echo "installing @oven/bun-linux-x64@$BUN_VERSION into .bun/" >&2
		mkdir -p .bun
		npm install --prefix .bun --no-audit --no-fund --no-save "@oven/bun-linux-x64@$BUN_VERSION" >&2 || true
	fi
fi
if [ -n "$BUN" ] && ! "$BUN" --version >/dev/null 2>&1; then
	echo "bun: not installed (npm install @oven/bun-linux-x64 failed?); skipped" | tee -a "$LOG" >&2
	BUN=
fi
[ -n "$BUN" ] && echo "bun $("$BUN" --version) at $BUN" | tee -a "$LOG" >&2

pick() { # pick DEFAULT_LIST: the contenders of a scenario, filtered by CONTENDERS
	local c out=()
	for c in $1; do
		[ "$c" = bun ] && [ -z "$BUN" ] && continue
		if [ -z "${CONTENDERS:-}" ] || [[ " $CONTENDERS " == *" $c "* ]]; then out+=("$c"); fi
	done
	echo "${out[@]:-}"
}

rotate() { # rotate N LIST...: start the list at position N mod len, so no contender always goes first
	local n=$1
	shift
	local a=("$@") len=$#
	[ "$len" -eq 0 ] && return
	local i
	for ((i = 0; i < len; i++)); do printf '%s ' "${a[$(((i + n) % len))]}"; done
}

SERVER_PIDS=()
HELPER_PIDS=()
cleanup() {
	local p
	for p in "${SERVER_PIDS[@]:-}" "${HELPER_PIDS[@]:-}"; do
		[ -n "$p" ] && kill "$p" 2>/dev/null || true
	done
}
trap cleanup EXIT

# start_server NAME IMPL [ENV=VALUE...]: starts one server, sets ADDR.
start_server() {
	local name=$1 impl=$2
	shift 2
	local out=$OUT/server-$name.out prof=()
	if [ -n "$PROFILE" ] && [[ $impl == nexo* ]]; then
		prof=(-cpuprofile "$OUT/prof/$name.pprof")
	fi
	if [ "$impl" = bun ]; then
		"$BUN" server/bun/server.ts 127.0.0.1:0 >"$out" 2>&1 &
	else
		env "$@" "$BIN/server" -impl "$impl" -addr 127.0.0.1:0 "${prof[@]}" >"$out" 2>&1 &
	fi
	SERVER_PIDS+=($!)
	local i
	for ((i = 0; i < 100; i++)); do
		ADDR=$(awk '/^ADDR /{print $2; exit}' "$out" 2>/dev/null)
		[ -n "$ADDR" ] && return 0
		kill -0 "${SERVER_PIDS[-1]}" 2>/dev/null || break
		sleep 0.1
	done
	echo "  server $impl did not start: $(tail -3 "$out" | tr '\n' ' ')" | tee -a "$LOG" >&2
	return 1
}

stop_servers() {
	local p
	for p in "${SERVER_PIDS[@]:-}"; do
		[ -n "$p" ] || continue
		kill -TERM "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	SERVER_PIDS=()
}

# run ROUND IMPL LABEL LOAD-ARGS...: one fresh server, one load run.
run() {
	local round=$1 impl=$2 label=$3
	shift 3
	local name="r$round-${label// /_}-$impl"
	name=${name//[^A-Za-z0-9_=.-]/_}
	if start_server "$name" "$impl"; then
		echo "round $round  $label  $impl  ($(uptime | sed 's/.*load/load/'))" | tee -a "$LOG" >&2
		if ! timeout 180 "$BIN/load" "$@" -impl "$impl" -addr "$ADDR" -round "$round" -label "$label" 2>>"$LOG" | grep '^RESULT' >>"$RESULTS"; then
			echo "  $label $impl: run failed (see $LOG)" | tee -a "$LOG" >&2
		fi
	fi
	stop_servers
}

# cluster ROUND BROKER: two nexo-join instances sharing a broker,
# subscribers spread over both, the publisher on the first. BROKER "memory"
# is the in-process reference: one nexo-join instance with all the
# subscribers, the same load, in the same scenario.
cluster() {
	local round=$1 broker=$2 label="fanout x2 instances s=$CLUSTER_SUBS b=64 burst"
	local port url bin helper=
	case $broker in
	memory)
		run "$round" nexo-join "$label" fanout -subs "$CLUSTER_SUBS" -size 64 -duration "$DURATION"
		return
		;;
	redis)
		bin=$(command -v redis-server || true)
		if [ -z "$bin" ]; then
			echo "  cluster redis: skipped (no redis-server on PATH)" | tee -a "$LOG" >&2
			return
		fi
		port=$((20000 + RANDOM % 20000))
		"$bin" --port "$port" --bind 127.0.0.1 --save '' --appendonly no >"$OUT/redis.out" 2>&1 &
		HELPER_PIDS+=($!)
		url="redis://127.0.0.1:$port"
		;;
	nats)
		bin=$(command -v nats-server || true)
		if [ -z "$bin" ]; then
			echo "  cluster nats: skipped (no nats-server on PATH)" | tee -a "$LOG" >&2
			return
		fi
		port=$((20000 + RANDOM % 20000))
		"$bin" -a 127.0.0.1 -p "$port" >"$OUT/nats.out" 2>&1 &
		HELPER_PIDS+=($!)
		url="nats://127.0.0.1:$port"
		;;
	esac
	helper=${HELPER_PIDS[-1]}
	sleep 0.5
	local impl=nexo-join addrs=() ok=1 i
	for i in 1 2; do
		if start_server "r$round-cluster-$broker-$i" "$impl" NEXO_BROKER="$broker" NEXO_REDIS_URL="$url" NEXO_NATS_URL="$url"; then
			addrs+=("$ADDR")
		else
			ok=0
			break
		fi
	done
	if [ $ok = 1 ]; then
		echo "round $round  $label  $impl+$broker  ($(uptime | sed 's/.*load/load/'))" | tee -a "$LOG" >&2
		timeout 180 "$BIN/load" fanout -subs "$CLUSTER_SUBS" -size 64 -duration "$DURATION" -impl "$impl" \
			-addr "${addrs[0]},${addrs[1]}" -round "$round" -label "$label" 2>>"$LOG" |
			grep '^RESULT' | sed "s/\"impl\":\"$impl\"/\"impl\":\"$impl+$broker\"/" >>"$RESULTS" ||
			echo "  cluster $broker: run failed (see $LOG)" | tee -a "$LOG" >&2
	else
		echo "  cluster $broker: skipped: nexo did not start with NEXO_BROKER=$broker (is its broker in this release?)" | tee -a "$LOG" >&2
	fi
	stop_servers
	kill "$helper" 2>/dev/null || true
	wait "$helper" 2>/dev/null || true
	HELPER_PIDS=()
}

for ((round = 1; round <= ROUNDS; round++)); do
	for sc in $SCENARIOS; do
		case $sc in
		idle)
			for impl in $(rotate "$round" $(pick "$ALL_IDLE")); do
				run "$round" "$impl" "idle n=$IDLE_CONNS" idle -conns "$IDLE_CONNS"
			done
			;;
		echo)
			for c in $ECHO_CLIENTS; do
				for impl in $(rotate "$round" $(pick "$ALL_ECHO")); do
					run "$round" "$impl" "echo c=$c" echo -clients "$c" -duration "$DURATION"
				done
			done
			;;
		fanout)
			for fc in $FANOUT_CASES; do
				s=${fc%%:*} b=${fc##*:}
				for impl in $(rotate "$round" $(pick "$ALL_FANOUT")); do
					run "$round" "$impl" "fanout s=$s b=$b burst" fanout -subs "$s" -size "$b" -duration "$DURATION"
				done
			done
			;;
		paced)
			for impl in $(rotate "$round" $(pick "$ALL_FANOUT")); do
				run "$round" "$impl" "fanout s=5000 b=64 paced 20/s" fanout -subs 5000 -size 64 -rate 20 -warmup 1s -duration "$PACED_DURATION"
			done
			;;
		cluster)
			for broker in $(rotate "$round" memory $CLUSTER_BROKERS); do
				cluster "$round" "$broker"
			done
			;;
		*)
			echo "unknown scenario $sc (want idle echo fanout paced cluster)" >&2
			exit 2
			;;
		esac
	done
done

"$BIN/load" report "$RESULTS" | tee "$OUT/report.md"
"$BIN/load" chart -o "$OUT/chart.svg" "$RESULTS"
echo >&2
echo "results: $RESULTS  report: $OUT/report.md  chart: $OUT/chart.svg  log: $LOG" >&2
