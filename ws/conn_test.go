package ws_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// serve starts a ws.Server with h at /ws.
func serve(t *testing.T, h ws.HandlerFunc, opts ...ws.Option) (*nexotest.Server, *ws.Server) {
	return serveWith(t, nil, h, opts...)
}

// serveWith is serve with options for the test server.
func serveWith(t *testing.T, sopts []nexotest.ServerOption, h ws.HandlerFunc, opts ...ws.Option) (*nexotest.Server, *ws.Server) {
	t.Helper()
	srv := ws.NewServer(context.Background(), opts...)
	mux := http.NewServeMux()
	mux.Handle("/ws", srv.Handler(h))
	return nexotest.NewServer(t, shutdowner{mux, srv}, sopts...), srv
}

type shutdowner struct {
	http.Handler
	srv *ws.Server
}

func (s shutdowner) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx, 0) }

func echo(c *ws.Conn) error {
	for {
		m, err := c.Receive()
		if err != nil {
			return err
		}
		if err := c.Send(m); err != nil {
			return err
		}
	}
}

func TestEchoTextAndBinary(t *testing.T) {
	s, _ := serve(t, echo)
	c := s.Dial("/ws")
	c.SendText("hello")
	c.ExpectText("hello")
	c.SendBytes([]byte{0, 1, 2})
	if got := c.ReadBytes(); string(got) != "\x00\x01\x02" {
		t.Fatalf("got %v", got)
	}
	c.CloseNormal()
}

func TestCloseBeforeAcceptReachesClient(t *testing.T) {
	s, _ := serve(t, func(c *ws.Conn) error {
		return c.Close(ws.CloseUnauthorized, "token required")
	})
	c := s.Dial("/ws")
	ce := c.ExpectClose(ws.CloseUnauthorized)
	if ce.Reason != "token required" {
		t.Fatalf("reason %q", ce.Reason)
	}
}

func TestRejectIsPlainHTTP(t *testing.T) {
	s, _ := serve(t, func(c *ws.Conn) error { return c.Reject(http.StatusTeapot) })
	_, resp, err := s.TryDial("/ws")
	if err != websocket.ErrBadHandshake || resp.StatusCode != http.StatusTeapot {
		t.Fatalf("err %v, resp %v", err, resp)
	}
}
