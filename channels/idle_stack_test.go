package channels_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// An idle connection's handler goroutine must keep the 2 KiB stack a
// goroutine starts with: Go never shrinks a stack back while the
// goroutine waits in Receive, so whatever the handler's set-up grows it
// to is kept for the life of the connection. These tests hold idle
// connections over real sockets and measure the stacks the runtime holds
// for them (StackInuse after a GC, before and after), for a handler that
// makes a channel and adds it to a group, as a fan-out endpoint does, and
// for a handler that joins a topic of the App's broker (bench/server's
// nexo-join /fanout), and for the plain ws handler as the reference. The handlers run behind
// channels.Attach, the WS middleware every nexo App puts first.
//
// They are skipped under the race detector, which enlarges every frame's
// stack guard (BenchmarkIdleConn reports the same figures without it).

// idleConns is how many idle connections a measurement holds.
const idleConns = 1000

// idleStackBound is the most stack per idle connection the tests accept:
// 2 KiB stacks measure about 2.1 KiB per connection (the runtime's own
// goroutines and spans move a little), a stack grown to 4 KiB about 4.1.
const idleStackBound = 3 << 10

// idleHandlers are the handlers measured, behind nexo's WS middleware.
func idleHandlers() map[string]ws.HandlerFunc {
	g := channels.NewGroup("idle")
	chain := ws.Chain{channels.Attach(channels.NewMemoryBroker())}
	return map[string]ws.HandlerFunc{
		// ws alone: accept, then wait for messages.
		"ws": chain.Then(func(c *ws.Conn) error {
			if err := c.Accept(); err != nil {
				return err
			}
			return readLoop(c)
		}),
		// a fan-out endpoint: NewChannel accepts, Group.Add, then wait
		// for messages (bench/server's nexo-group /fanout).
		"group": chain.Then(func(c *ws.Conn) error {
			ch := channels.NewChannel(c, channels.Text)
			g.Add(ch)
			defer g.Remove(ch)
			for {
				m, err := c.Receive()
				if err != nil {
					return err
				}
				g.SendText(string(m.Data))
			}
		}),
		// a pub/sub endpoint: Accept, Join the App's broker, then wait
		// for messages (bench/server's nexo-join /fanout).
		"join": chain.Then(func(c *ws.Conn) error {
			if err := c.Accept(); err != nil {
				return err
			}
			sub, err := channels.Join(c, "idle")
			if err != nil {
				return err
			}
			defer sub.Leave()
			return readLoop(c)
		}),
	}
}

// idleCost is what the process holds for each idle connection: stack and
// heap (in spans, as the runtime counts them in use), the bytes of the
// objects still live (heap), and the bytes allocated to open it, garbage
// included (net/http's buffers, the handshake's, the client's).
type idleCost struct {
	stack, heap, live, alloc float64
}

// measureIdle holds n idle connections to h and returns what the process
// holds for each.
func measureIdle(tb testing.TB, h ws.HandlerFunc, n int) idleCost {
	tb.Helper()
	e := serve(tb, h)
	addr := strings.TrimPrefix(e.ts.URL, "http://")
	before := memAfterGC()
	conns := make([]net.Conn, 0, n)
	defer func() {
		// Released here rather than at the end of the test, so that a
		// benchmark's iterations do not pile up connections.
		for _, nc := range conns {
			nc.Close()
		}
		e.ts.Shutdown()
	}()
	for range n {
		conns = append(conns, dialRaw(tb, addr))
	}
	waitIdle(tb, n)
	after := memAfterGC()
	per := func(a, b uint64) float64 { return (float64(a) - float64(b)) / float64(n) }
	return idleCost{
		stack: per(after.StackInuse, before.StackInuse),
		heap:  per(after.HeapInuse, before.HeapInuse),
		live:  per(after.HeapAlloc, before.HeapAlloc),
		alloc: per(after.TotalAlloc, before.TotalAlloc),
	}
}

// memAfterGC returns the memory statistics after a full collection, which
// also shrinks the stacks that can be shrunk.
func memAfterGC() runtime.MemStats {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms
}

// dialRaw opens a WebSocket connection to /ws with a bare socket: no
// client goroutine, no buffer kept, so that the process's stacks and heap
// grow by the server's side only.
func dialRaw(tb testing.TB, addr string) net.Conn {
	tb.Helper()
	nc, err := net.DialTimeout("tcp", addr, nexotest.DefaultTimeout)
	if err != nil {
		tb.Fatal(err)
	}
	nc.SetDeadline(time.Now().Add(nexotest.DefaultTimeout))
	fmt.Fprintf(nc, "GET /ws HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", addr)
	resp, err := http.ReadResponse(bufio.NewReaderSize(nc, 256), nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		nc.Close()
		tb.Fatalf("handshake: %v %v", resp, err)
	}
	nc.SetDeadline(time.Time{})
	return nc
}

// waitIdle waits until n handler goroutines wait in Receive for the
// socket, where they idle: their stacks have then grown as far as the
// handshake and the handler's set-up took them.
func waitIdle(tb testing.TB, n int) {
	tb.Helper()
	deadline := time.Now().Add(nexotest.DefaultTimeout)
	buf := make([]byte, 1<<20)
	for {
		for {
			buf = buf[:runtime.Stack(buf[:cap(buf)], true)]
			if len(buf) < cap(buf) {
				break
			}
			buf = make([]byte, 2*cap(buf))
		}
		idle := 0
		for g := range strings.SplitSeq(string(buf), "\n\n") {
			if strings.Contains(g, "[IO wait") && strings.Contains(g, "ws.(*Conn).Receive(") {
				idle++
			}
		}
		if idle >= n {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%d of %d handlers waiting in Receive", idle, n)
		}
		runtime.Gosched()
	}
}

func TestIdleConnStack(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector enlarges stack frames; BenchmarkIdleConn measures without it")
	}
	hs := idleHandlers()
	for _, name := range []string{"group", "join", "ws"} {
		t.Run(name, func(t *testing.T) {
			cost := measureIdle(t, hs[name], idleConns)
			t.Logf("%s: %.0f B of stack, %.0f B of heap (%.0f B live, %.0f B allocated) per idle connection", name, cost.stack, cost.heap, cost.live, cost.alloc)
			if cost.stack > idleStackBound {
				t.Errorf("%s: %.0f B of stack per idle connection, want at most %d: the handler's goroutine grew past 2 KiB before its first wait", name, cost.stack, idleStackBound)
			}
		})
	}
}

// Bounds on an idle connection's heap, against the plain ws handler's
// (so that they hold whatever net/http and the test's client cost).
const (
	// idleGroupLiveBound is the most live heap a group member may hold
	// beyond a plain connection: its Channel, its membership, its hook
	// for leaving when the close starts. With context.AfterFunc on the
	// connection's context for that hook it was 780 B; with
	// ws.Conn.OnClosing it is 330.
	idleGroupLiveBound = 550
	// idleGarbageBound is the most a plain connection may allocate and
	// drop on its way to idling (net/http's request and 8 KiB of bufio
	// buffers that the hijack leaves behind, gorilla's upgrade, the
	// client's side of this test): 16,680 B, 17,120 when Serve watched
	// the request's context with context.AfterFunc. Garbage is what an
	// idle server's RSS keeps above its heap, until the next collection
	// and after it (the runtime does not hand freed pages back below the
	// heap goal).
	idleGarbageBound = 16900
)

// TestIdleConnHeap guards the heap an idle connection holds and the
// garbage it leaves on the way, against the bounds above.
func TestIdleConnHeap(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates shadow memory and changes what is measured")
	}
	// Each is measured twice and the smaller figures kept: a first
	// measurement also pays for what the runtime keeps and reuses
	// (goroutine descriptors, timer heaps), and any measurement may catch
	// a runtime table growing.
	min2 := func(h ws.HandlerFunc) idleCost {
		a, b := measureIdle(t, h, idleConns), measureIdle(t, h, idleConns)
		return idleCost{live: min(a.live, b.live), alloc: min(a.alloc-a.live, b.alloc-b.live)}
	}
	hs := idleHandlers()
	plain, group := min2(hs["ws"]), min2(hs["group"])
	t.Logf("ws: %.0f B live, %.0f B of garbage; group: %.0f B live (%.0f B more)", plain.live, plain.alloc, group.live, group.live-plain.live)
	if extra := group.live - plain.live; extra > idleGroupLiveBound {
		t.Errorf("an idle group member holds %.0f B of heap more than a plain connection, want at most %d", extra, idleGroupLiveBound)
	}
	if garbage := plain.alloc; garbage > idleGarbageBound {
		t.Errorf("a connection leaves %.0f B of garbage on its way to idling, want at most %d", garbage, idleGarbageBound)
	}
}

// BenchmarkIdleConn reports the stack and heap an idle connection costs
// (stack-B/conn, heap-B/conn), for the handlers of TestIdleConnStack. Run
// it without the race detector, with -benchtime=1x:
//
//	go test -run '^$' -bench IdleConn -benchtime=1x ./channels/
func BenchmarkIdleConn(b *testing.B) {
	hs := idleHandlers()
	for _, name := range []string{"group", "join", "ws"} {
		b.Run(name, func(b *testing.B) {
			var sum idleCost
			for b.Loop() {
				c := measureIdle(b, hs[name], idleConns)
				sum.stack += c.stack
				sum.heap += c.heap
				sum.live += c.live
				sum.alloc += c.alloc
			}
			n := float64(b.N)
			b.ReportMetric(sum.stack/n, "stack-B/conn")
			b.ReportMetric(sum.heap/n, "heap-B/conn")
			b.ReportMetric(sum.live/n, "live-B/conn")
			b.ReportMetric(sum.alloc/n, "alloc-B/conn")
		})
	}
}
