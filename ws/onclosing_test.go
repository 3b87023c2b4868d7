package ws_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// TestOnClosing: functions registered with OnClosing run as soon as the
// close starts, before the teardown that waits for the peer's answer,
// except those stopped; stop reports whether it came in time; a function
// registered once the close has started runs at once. AfterClose
// functions registered among them run at teardown only, once.
func TestOnClosing(t *testing.T) {
	ran := make(chan string, 4)
	stops := make(chan [2]bool, 1)
	conns := make(chan *ws.Conn, 1)
	s, _ := serve(t, func(c *ws.Conn) error {
		if err := c.Accept(); err != nil {
			return err
		}
		c.AfterClose(func() { ran <- "teardown" })
		c.OnClosing(func() { ran <- "a" })
		stopT := c.AfterClose(func() { ran <- "stopped teardown" })
		stopB := c.OnClosing(func() { ran <- "b" })
		stopT()
		stopC := c.OnClosing(func() { ran <- "c" })
		stops <- [2]bool{stopB(), stopB()}
		conns <- c
		c.Close(ws.CloseNormal, "")
		<-c.Context().Done()
		late := c.OnClosing(func() { ran <- "late" })
		if late() {
			t.Error("stop of a function registered after the close started reported it stopped")
		}
		if stopC() {
			t.Error("stop after the close started reported it stopped")
		}
		_, err := c.Receive()
		return err
	}, protoDefaults()...) // CloseTimeout 2 s: the client below never answers the close
	cl := dialWire(t, s.URL, "/ws", "") // reads nothing, so answers no close
	defer cl.nc.Close()
	if got := <-stops; got != [2]bool{true, false} {
		t.Fatalf("stop results %v, want [true false]", got)
	}
	c := <-conns
	got := map[string]bool{}
	for len(got) < 3 {
		select {
		case f := <-ran:
			got[f] = true
		case <-time.After(wireTimeout):
			t.Fatalf("OnClosing functions run: %v, want a, c and late", got)
		}
	}
	if !got["a"] || !got["c"] || !got["late"] {
		t.Fatalf("OnClosing functions run: %v, want a, c and late", got)
	}
	select {
	case <-c.Done():
		t.Fatal("the connection was torn down before its close was answered or timed out")
	default:
	}
	cl.nc.Close()
	select {
	case f := <-ran:
		if f != "teardown" {
			t.Fatalf("ran %q at teardown, want the AfterClose function", f)
		}
	case <-time.After(wireTimeout):
		t.Fatal("the AfterClose function did not run at teardown")
	}
	select {
	case <-c.Done():
	case <-time.After(wireTimeout):
		t.Fatal("the connection was not torn down")
	}
	if len(ran) != 0 {
		t.Fatalf("ran %q too", <-ran)
	}
}

// TestOnClosingBaseContext: the end of the Server's base context, which
// ends every connection's context, runs their OnClosing functions.
func TestOnClosingBaseContext(t *testing.T) {
	base, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := ws.NewServer(base, protoDefaults()...)
	registered := make(chan struct{})
	ran := make(chan struct{})
	mux := http.NewServeMux()
	mux.Handle("/ws", srv.Handler(func(c *ws.Conn) error {
		if err := c.Accept(); err != nil {
			return err
		}
		c.OnClosing(func() { close(ran) })
		close(registered)
		<-c.Context().Done()
		return nil
	}))
	s := nexotest.NewServer(t, shutdowner{mux, srv})
	cl := s.Dial("/ws")
	defer cl.Close()
	<-registered
	cancel()
	select {
	case <-ran:
	case <-time.After(wireTimeout):
		t.Fatal("OnClosing function did not run when the base context ended")
	}
}
