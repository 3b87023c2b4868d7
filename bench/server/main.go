// Command server runs one WebSocket contender with the endpoints every
// contender shares:
//
//	/echo       every message is sent back to its sender, same opcode
//	/fanout     a message from any client goes to every connected client
//	/debug/mem  JSON: heap in use, stacks in use, RSS and CPU time so far
//	/debug/pprof/  the standard profiles (heap, goroutine, profile)
//
// It prints "ADDR host:port" on stdout once it listens, and stops on SIGINT
// or SIGTERM (writing the CPU profile first when -cpuprofile is set).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	httppprof "net/http/pprof"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"syscall"

	"github.com/nexogo/nexo/bench/internal/sysx"
)

// contender builds the handler of one implementation. The handler serves
// /echo and /fanout; close releases what it started.
type contender func() (h http.Handler, close func(), err error)

func contenders() map[string]contender {
	return map[string]contender{
		"nexo-group":       func() (http.Handler, func(), error) { return newNexo(nexoGroup) },
		"nexo-join":        func() (http.Handler, func(), error) { return newNexo(nexoJoin) },
		"nexo-broadcast":   func() (http.Handler, func(), error) { return newNexo(nexoBroadcast) },
		"gorilla-hub":      func() (http.Handler, func(), error) { return newGorilla(false), func() {}, nil },
		"gorilla-prepared": func() (http.Handler, func(), error) { return newGorilla(true), func() {}, nil },
		"melody":           func() (http.Handler, func(), error) { return newMelody(), func() {}, nil },
		"gws":              func() (http.Handler, func(), error) { return newGWS(), func() {}, nil },
		"centrifuge":       newCentrifuge,
	}
}

// Names returns the contender names, sorted.
func names() []string {
	var n []string
	for k := range contenders() {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

func main() {
	impl := flag.String("impl", "nexo-group", "contender: "+strings.Join(names(), "|"))
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile here until the server stops")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("server: ")
	sysx.RaiseFileLimit()

	mk, ok := contenders()[*impl]
	if !ok {
		log.Fatalf("unknown -impl %q; want one of %s", *impl, strings.Join(names(), ", "))
	}
	h, closeImpl, err := mk()
	if err != nil {
		log.Fatalf("%s: %v", *impl, err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/mem", serveMem)
	mux.HandleFunc("/debug/pprof/", httppprof.Index) // heap, goroutine, allocs profiles by name
	mux.HandleFunc("/debug/pprof/profile", httppprof.Profile)
	mux.Handle("/", h)
	srv := &http.Server{Handler: mux}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		if *cpuprofile != "" {
			pprof.StopCPUProfile()
		}
		closeImpl()
		os.Exit(0)
	}()
	fmt.Printf("ADDR %s\n", ln.Addr())
	if err := srv.Serve(ln); err != nil {
		log.Fatal(err)
	}
}

// Mem is the answer of /debug/mem.
type Mem struct {
	HeapInuse  uint64 `json:"heap_inuse"`
	StackInuse uint64 `json:"stack_inuse"`
	RSS        uint64 `json:"rss"`
	CPUNanos   int64  `json:"cpu_ns"`
	Goroutines int    `json:"goroutines"`
}

// serveMem reports memory after a collection (so that garbage does not
// count) unless ?gc=0, and the CPU time used so far.
func serveMem(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("gc") != "0" {
		runtime.GC()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m := Mem{
		HeapInuse:  ms.HeapInuse,
		StackInuse: ms.StackInuse,
		RSS:        sysx.RSS(),
		CPUNanos:   int64(sysx.CPUTime()),
		Goroutines: runtime.NumGoroutine(),
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(m)
}
