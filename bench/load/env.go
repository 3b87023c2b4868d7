package main

import (
	"encoding/json"
	"fmt"
	"log"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// env is what every scenario needs.
type env struct {
	impl     string
	addrs    []string
	proto    proto
	srcIPs   int
	size     int
	duration time.Duration
	warmup   time.Duration
	verbose  bool
}

func (e *env) logf(format string, args ...any) {
	if e.verbose {
		log.Printf(e.impl+": "+format, args...)
	}
}

// localIP returns the loopback source address for connection i, or nil when
// the server is not on 127.0.0.0/8.
func (e *env) localIP(addr string, i int) net.IP {
	host, _, _ := net.SplitHostPort(addr)
	ip := net.ParseIP(host)
	if e.srcIPs <= 1 || ip == nil || !ip.IsLoopback() || ip.To4() == nil {
		return nil
	}
	return net.IPv4(127, 0, 0, byte(1+i%e.srcIPs))
}

// connect opens n connections to path, spread over the addresses, 64 at a
// time, each completing the protocol's hello (sub: subscribe to the
// fan-out), each reading through a buffer of bufSize bytes.
func (e *env) connect(path string, n int, sub bool, bufSize int) ([]*wsConn, error) {
	conns := make([]*wsConn, n)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	next := make(chan int)
	for w := 0; w < 64; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				addr := e.addrs[i%len(e.addrs)]
				c, err := dialWS(addr, path, e.localIP(addr, i), 10*time.Second, bufSize)
				if err == nil {
					err = e.proto.hello(c, sub)
				}
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("connection %d to %s%s: %w", i, addr, path, err)
					}
					mu.Unlock()
					continue
				}
				conns[i] = c
			}
		}()
	}
	for i := 0; i < n; i++ {
		mu.Lock()
		failed := firstErr != nil
		mu.Unlock()
		if failed {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		closeAll(conns)
		return nil, firstErr
	}
	return conns, nil
}

func closeAll(conns []*wsConn) {
	for _, c := range conns {
		if c != nil {
			c.Close()
		}
	}
}

// Mem mirrors the server's /debug/mem answer.
type Mem struct {
	HeapInuse  uint64 `json:"heap_inuse"`
	StackInuse uint64 `json:"stack_inuse"`
	RSS        uint64 `json:"rss"`
	CPUNanos   int64  `json:"cpu_ns"`
	Goroutines int    `json:"goroutines"`
}

// mem asks the server at addr for its memory (after a GC when gc is set)
// and CPU time.
func mem(addr string, gc bool) (Mem, error) {
	url := "http://" + addr + "/debug/mem"
	if !gc {
		url += "?gc=0"
	}
	cl := http.Client{Timeout: 30 * time.Second}
	resp, err := cl.Get(url)
	if err != nil {
		return Mem{}, err
	}
	defer resp.Body.Close()
	var m Mem
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		return Mem{}, fmt.Errorf("/debug/mem: %w", err)
	}
	return m, nil
}

// cpuNanos is the summed CPU time of every server in addrs; errors count
// as zero (a missing figure, not a failed run).
func (e *env) cpuNanos() int64 {
	var sum int64
	for _, a := range e.addrs {
		if m, err := mem(a, false); err == nil {
			sum += m.CPUNanos
		}
	}
	return sum
}

// samples collects latencies in units of 100 ns.
type samples []uint32

func (s *samples) add(d int64) {
	if d < 0 {
		d = 0
	}
	v := d / 100
	if v > 1<<32-1 {
		v = 1<<32 - 1
	}
	*s = append(*s, uint32(v))
}

// percentiles returns p50 and p99 in microseconds of the merged samples.
func percentiles(all []samples) (p50, p99 float64) {
	n := 0
	for _, s := range all {
		n += len(s)
	}
	if n == 0 {
		return 0, 0
	}
	m := make([]uint32, 0, n)
	for _, s := range all {
		m = append(m, s...)
	}
	slices.Sort(m)
	at := func(q float64) float64 { return float64(m[int(q*float64(n-1))]) / 10 }
	return at(0.50), at(0.99)
}
