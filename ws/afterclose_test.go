package ws_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/nexogo/nexo/ws"
)

// TestAfterCloseAndDone: functions registered with AfterClose run once the
// connection ends, newest first, except those stopped; stop reports
// whether it came in time; Done is closed after they have run; a function
// registered after the end runs at once.
func TestAfterCloseAndDone(t *testing.T) {
	ran := make(chan int, 10)
	stopped := make(chan []bool, 1)
	conns := make(chan *ws.Conn, 1)
	s, _ := serve(t, func(c *ws.Conn) error {
		var stops []func() bool
		for i := range 6 {
			stops = append(stops, c.AfterClose(func() { ran <- i }))
		}
		var got []bool
		for _, i := range []int{1, 2, 3, 4, 2} { // more than half: the list is compacted
			got = append(got, stops[i]())
		}
		stopped <- got
		conns <- c
		_, err := c.Receive()
		return err
	}, protoDefaults()...)
	cl := s.Dial("/ws")
	if got, want := <-stopped, []bool{true, true, true, true, false}; !slices.Equal(got, want) {
		t.Fatalf("stop results %v, want %v", got, want)
	}
	c := <-conns
	done := c.Done()
	cl.CloseNormal()
	select {
	case <-done:
	case <-time.After(wireTimeout):
		t.Fatal("Done not closed after the connection ended")
	}
	close(ran)
	var order []int
	for i := range ran {
		order = append(order, i)
	}
	if want := []int{5, 0}; !slices.Equal(order, want) {
		t.Fatalf("after close ran %v, want %v (newest first, stopped ones skipped)", order, want)
	}
	if c.Done() != done {
		t.Fatal("Done returned another channel after the end")
	}
	late := make(chan struct{})
	if c.AfterClose(func() { close(late) })() {
		t.Fatal("stop of a function registered after the end reported it stopped")
	}
	select {
	case <-late:
	case <-time.After(wireTimeout):
		t.Fatal("a function registered after the end did not run")
	}
}

// TestSetGet: Set replaces a key's value, Get finds each key and reports a
// missing one.
func TestSetGet(t *testing.T) {
	got := make(chan []any, 1)
	s, _ := serve(t, func(c *ws.Conn) error {
		c.Set("a", 1)
		c.Set("b", "two")
		c.Set("a", 3)
		a, okA := c.Get("a")
		b, okB := c.Get("b")
		_, okC := c.Get("c")
		got <- []any{a, okA, b, okB, okC}
		return c.Close(ws.CloseNormal, "")
	}, protoDefaults()...)
	s.Dial("/ws").ExpectClose(ws.CloseNormal)
	if g, want := <-got, []any{3, true, "two", true, false}; !slices.Equal(g, want) {
		t.Fatalf("Get gave %v, want %v", g, want)
	}
}

// TestHandshakePanic: a panic in CheckOrigin, which runs during the
// handshake, refuses the upgrade with 500 and reaches the handler as
// Accept's error instead of leaving it waiting.
func TestHandshakePanic(t *testing.T) {
	accepted := make(chan error, 1)
	panicky := func(cfg *ws.Config) { cfg.CheckOrigin = func(*http.Request) bool { panic("boom") } }
	s, _ := serve(t, func(c *ws.Conn) error {
		err := c.Accept()
		accepted <- err
		return err
	}, append(protoDefaults(), panicky)...)
	_, resp, err := s.TryDial("/ws")
	if err == nil || resp == nil || resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("dial: %v, response %v; want a refusal with 500", err, resp)
	}
	select {
	case err := <-accepted:
		if err == nil {
			t.Fatal("Accept returned nil after a panic in the handshake")
		}
	case <-time.After(wireTimeout):
		t.Fatal("Accept did not return")
	}
}
