package channels_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// env is a ws.Server with one handler at /ws, served over real sockets.
type env struct {
	t   testing.TB
	srv *ws.Server
	ts  *nexotest.Server
}

// serve starts h at /ws on a ws.Server with opts.
func serve(t testing.TB, h ws.HandlerFunc, opts ...ws.Option) *env {
	t.Helper()
	srv := ws.NewServer(context.Background(), opts...)
	mux := http.NewServeMux()
	mux.Handle("/ws", srv.Handler(h))
	return &env{t: t, srv: srv, ts: nexotest.NewServer(t, shutdowner{mux, srv})}
}

type shutdowner struct {
	http.Handler
	srv *ws.Server
}

func (s shutdowner) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx, 0) }

// dial connects a client; its socket is closed at the end of the test,
// before the server shuts down, so that no closing handshake waits.
func (e *env) dial(opts ...nexotest.DialOption) *nexotest.Conn {
	e.t.Helper()
	c := e.ts.Dial("/ws", opts...)
	e.t.Cleanup(func() { c.Close() })
	return c
}

// recv waits for a value handed over by a server handler.
func recv[T any](t testing.TB, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(nexotest.DefaultTimeout):
		t.Fatal("timed out waiting for the server")
		panic("unreachable")
	}
}

// waitDone waits until a server connection is torn down.
func waitDone(t testing.TB, c *ws.Conn) {
	t.Helper()
	select {
	case <-c.Done():
	case <-time.After(nexotest.DefaultTimeout):
		t.Fatalf("connection %s not torn down", c.ID())
	}
}

// readLoop receives until the connection ends, so that close frames are
// seen; it is the tail of most test handlers.
func readLoop(c *ws.Conn) error {
	for {
		if _, err := c.Receive(); err != nil {
			return err
		}
	}
}

// dialPath is dial with a path (and query) of its own.
func (e *env) dialPath(path string, opts ...nexotest.DialOption) *nexotest.Conn {
	e.t.Helper()
	c := e.ts.Dial(path, opts...)
	e.t.Cleanup(func() { c.Close() })
	return c
}
