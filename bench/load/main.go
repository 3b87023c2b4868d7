// Command load is the load generator: the same client for every contender.
//
//	load echo   -impl NAME -addr HOST:PORT -clients 100 -duration 5s
//	load fanout -impl NAME -addr HOST:PORT[,HOST:PORT] -subs 1000 -size 64 [-rate 20]
//	load idle   -impl NAME -addr HOST:PORT -conns 10000
//	load report results.jsonl
//	load chart -o chart.svg results.jsonl
//
// Each scenario prints one line "RESULT {json}" (see Result); report turns a
// file of such lines into tables of medians and ranges, chart into an SVG.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/nexogo/nexo/bench/internal/sysx"
)

// Result is one measurement of one contender in one scenario.
type Result struct {
	Scenario string  `json:"scenario"` // e.g. "echo c=100"
	Impl     string  `json:"impl"`
	Round    int     `json:"round"`
	Rate     float64 `json:"rate"`               // round trips/s or deliveries/s
	P50us    float64 `json:"p50_us"`             // latency percentiles, microseconds
	P99us    float64 `json:"p99_us"`             //
	CPUus    float64 `json:"cpu_us"`             // server CPU per round trip / delivery
	ClientUs float64 `json:"client_cpu_us"`      // load generator CPU per round trip / delivery
	Loss     float64 `json:"loss"`               // fan-out: fraction of deliveries that never arrived (after waiting for all)
	Late     float64 `json:"late"`               // fan-out: fraction of deliveries that arrived more than 2 s after their publish
	Dropped  int     `json:"dropped"`            // connections the server closed
	Failed   string  `json:"failed,omitempty"`   // why the run failed: lost deliveries, dropped connections, a stall
	DrainMs  float64 `json:"drain_ms,omitempty"` // fan-out: wait after the last publish until every delivery arrived
	Load1    float64 `json:"load1"`              // the machine's 1-minute load average when the run started
	RSSPer   float64 `json:"rss_per_conn"`
	HeapPer  float64 `json:"heap_stack_per_conn"`
	GorPer   float64 `json:"goroutines_per_conn"`
	Messages int     `json:"messages,omitempty"`       // fan-out: messages published
	PerFrame float64 `json:"msgs_per_frame,omitempty"` // fan-out: messages per WebSocket frame received
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("load: ")
	if len(os.Args) < 2 {
		usage()
	}
	cmd, args := os.Args[1], os.Args[2:]
	switch cmd {
	case "report":
		if err := report(args); err != nil {
			log.Fatal(err)
		}
		return
	case "chart":
		if err := chart(args); err != nil {
			log.Fatal(err)
		}
		return
	}
	fs := flag.NewFlagSet(cmd, flag.ExitOnError)
	impl := fs.String("impl", "", "contender name (chooses the protocol: centrifuge speaks its own)")
	addr := fs.String("addr", "", "server address host:port; fanout takes a comma-separated list and spreads subscribers over it")
	round := fs.Int("round", 0, "round number, copied into the result")
	label := fs.String("label", "", "scenario label (default: derived from the flags)")
	clients := fs.Int("clients", 100, "echo: concurrent clients")
	subs := fs.Int("subs", 1000, "fanout: subscribers")
	size := fs.Int("size", 64, "payload size in bytes")
	rate := fs.Float64("rate", 0, "fanout: messages per second; 0 sends in bursts bounded by -window")
	window := fs.Int("window", 64, "fanout burst: messages in flight (not yet delivered to every subscriber)")
	duration := fs.Duration("duration", 5*time.Second, "measurement time")
	warmup := fs.Duration("warmup", 500*time.Millisecond, "load before measuring")
	conns := fs.Int("conns", 10000, "idle: connections")
	settle := fs.Duration("settle", 2*time.Second, "idle: wait after connecting before measuring")
	srcIPs := fs.Int("srcips", 16, "spread connections over 127.0.0.1..127.0.0.N (loopback servers only)")
	verbose := fs.Bool("v", false, "log progress to stderr")
	cpuprofile := fs.String("cpuprofile", "", "write the load generator's CPU profile here")
	fs.Parse(args)
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	if *impl == "" || *addr == "" {
		log.Fatal("-impl and -addr are required")
	}
	sysx.RaiseFileLimit()
	env := &env{
		impl: *impl, addrs: strings.Split(*addr, ","), proto: protoFor(*impl),
		srcIPs: *srcIPs, size: *size, duration: *duration, warmup: *warmup, verbose: *verbose,
	}
	var (
		r   Result
		err error
	)
	load1 := sysx.LoadAvg()
	switch cmd {
	case "echo":
		r, err = runEcho(env, *clients)
		r.Scenario = fmt.Sprintf("echo c=%d", *clients)
	case "fanout":
		r, err = runFanout(env, *subs, *rate, *window)
		mode := "burst"
		if *rate > 0 {
			mode = fmt.Sprintf("paced %g/s", *rate)
		}
		r.Scenario = fmt.Sprintf("fanout s=%d b=%d %s", *subs, *size, mode)
	case "idle":
		r, err = runIdle(env, *conns, *settle)
		r.Scenario = fmt.Sprintf("idle n=%d", *conns)
	default:
		usage()
	}
	if err != nil {
		pprof.StopCPUProfile()
		log.Fatalf("%s %s: %v", cmd, *impl, err)
	}
	if *label != "" {
		r.Scenario = *label
	}
	r.Impl, r.Round, r.Load1 = *impl, *round, load1
	b, _ := json.Marshal(r)
	fmt.Printf("RESULT %s\n", b)
	if r.Failed != "" {
		pprof.StopCPUProfile()
		log.Fatalf("%s %s: run failed: %s", cmd, *impl, r.Failed)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: load echo|fanout|idle -impl NAME -addr HOST:PORT [flags]  |  load report FILE  |  load chart -o OUT.svg FILE")
	os.Exit(2)
}
