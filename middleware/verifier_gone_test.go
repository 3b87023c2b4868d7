package middleware_test

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/middleware"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// levelRecords keeps the level and message of every record logged.
type levelRecords struct {
	mu   sync.Mutex
	recs []string
	lvls []slog.Level
}

func (h *levelRecords) Enabled(context.Context, slog.Level) bool { return true }
func (h *levelRecords) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.recs = append(h.recs, r.Message)
	h.lvls = append(h.lvls, r.Level)
	return nil
}
func (h *levelRecords) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *levelRecords) WithGroup(string) slog.Handler      { return h }

// atLeast returns the messages logged at level or above.
func (h *levelRecords) atLeast(level slog.Level) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for i, l := range h.lvls {
		if l >= level {
			out = append(out, h.recs[i])
		}
	}
	return out
}

// TestVerifierFailureOfGoneClientNotWarned: a client that leaves while its
// token is being verified ends the connection's context, and a verifier
// that watches it (a query, an HTTP call) fails. That says nothing about
// the verifier's backend: it is not logged at warning level as
// "authentication unavailable", which any client could otherwise write
// into the log once per connection attempt, and which would page an
// operator for a backend that is fine.
func TestVerifierFailureOfGoneClientNotWarned(t *testing.T) {
	logs := &levelRecords{}
	in := make(chan struct{}, 1)
	verify := func(ctx context.Context, tok string) (any, error) {
		in <- struct{}{}
		<-ctx.Done()
		return nil, ctx.Err()
	}
	torn := make(chan struct{}, 1)
	watch := func(next ws.HandlerFunc) ws.HandlerFunc {
		return func(c *ws.Conn) error {
			c.AfterClose(func() { torn <- struct{}{} })
			return next(c)
		}
	}
	app := nexo.New(nexo.WithoutClient(), nexo.WithLogger(slog.New(logs)))
	app.WebSocketRoute("/ws", whoami, watch, middleware.TokenAuth(middleware.TokenAuthOptions{Verify: verify}))
	srv := nexotest.NewServer(t, app)
	addr := strings.TrimPrefix(srv.URL, "http://")
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	upgrade := "GET /ws?token=t0k HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
	if _, err := nc.Write([]byte(upgrade)); err != nil {
		t.Fatal(err)
	}
	<-in
	nc.Close() // the client leaves during the verification
	waitTorn(t, torn)
	if warned := logs.atLeast(slog.LevelWarn); len(warned) > 0 {
		t.Fatalf("a client that left during verification was logged at warning level: %q", warned)
	}
}
