package middleware_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/middleware"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// recordHandler hands every record to the test.
type recordHandler struct{ ch chan slog.Record }

func (h recordHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h recordHandler) Handle(_ context.Context, r slog.Record) error {
	h.ch <- r.Clone()
	return nil
}
func (h recordHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h recordHandler) WithGroup(string) slog.Handler      { return h }

func nextRecord(t *testing.T, ch <-chan slog.Record) map[string]slog.Value {
	t.Helper()
	select {
	case r := <-ch:
		if r.Message != "ws: connection closed" || r.Level != slog.LevelInfo {
			t.Fatalf("record %v %q", r.Level, r.Message)
		}
		attrs := map[string]slog.Value{}
		r.Attrs(func(a slog.Attr) bool { attrs[a.Key] = a.Value; return true })
		return attrs
	case <-time.After(nexotest.DefaultTimeout):
		t.Fatal("no log line")
		return nil
	}
}

func TestLogger(t *testing.T) {
	ch := make(chan slog.Record, 8)
	log := slog.New(recordHandler{ch})
	rooms := nexo.NewRouter()
	rooms.WebSocketRoute("/{id}", echo)
	// The App lets evil.example through; the route's Origin refuses it.
	app := nexo.New(nexo.WithoutClient(), nexo.WithWS(ws.WithOrigins("https://evil.example")))
	app.UseWS(middleware.Logger(log), middleware.Origin())
	app.Mount("/rooms", rooms)
	srv := nexotest.NewServer(t, app)

	c := srv.Dial("/rooms/42")
	var id string
	expectEcho(t, c, "hello")       // 5 bytes each way
	expectEcho(t, c, "how are you") // 11
	c.CloseNormal()
	a := nextRecord(t, ch)
	id = a["conn"].String()
	if len(id) < 36 { // the App's instance, then a UUID
		t.Errorf("conn %q is not an ID", id)
	}
	want := map[string]any{
		"route": "/rooms/{id}", "accepted": true, "code": int64(1000), "reason": "", "by_peer": true,
		"msgs_in": uint64(2), "msgs_out": uint64(2), "bytes_in": uint64(16), "bytes_out": uint64(16),
	}
	for k, v := range want {
		if got := a[k].Any(); got != v {
			t.Errorf("%s = %v (%T), want %v", k, got, got, v)
		}
	}
	if a["remote"].String() != c.LocalAddr().String() {
		t.Errorf("remote %v, want %v", a["remote"], c.LocalAddr())
	}
	if d := a["duration"].Duration(); d <= 0 || d > time.Minute {
		t.Errorf("duration %v", d)
	}

	// A connection refused by a guard after the Logger is logged with the
	// guard's code.
	bad := srv.Dial("/rooms/7", nexotest.WithOrigin("https://evil.example"))
	bad.ExpectClose(ws.CloseForbidden)
	bad.Close()
	a = nextRecord(t, ch)
	if a["code"].Int64() != ws.CloseForbidden || a["reason"].String() != "origin not allowed" || a["by_peer"].Bool() {
		t.Errorf("refused connection logged as %v", a)
	}
	if a["conn"].String() == id {
		t.Error("same connection ID twice")
	}
}

// Logger(nil) logs to the App's logger.
func TestLoggerDefault(t *testing.T) {
	ch := make(chan slog.Record, 8)
	app := nexo.New(nexo.WithoutClient(), nexo.WithLogger(slog.New(recordHandler{ch})))
	if r := <-ch; r.Message != "nexo: broker in-process" { // New's start-up line
		t.Fatalf("first record %q", r.Message)
	}
	app.WebSocketRoute("/ws", func(c *ws.Conn) error { return c.Reject(403) }, middleware.Logger(nil))
	srv := nexotest.NewServer(t, app)
	_, resp, err := srv.TryDial("/ws")
	if err == nil || resp == nil || resp.StatusCode != 403 {
		t.Fatalf("dial: %v %v", resp, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	a := nextRecord(t, ch)
	if a["accepted"].Bool() || a["route"].String() != "/ws" {
		t.Errorf("rejected connection logged as %v", a)
	}
	if _, ok := a["code"]; ok {
		t.Errorf("code logged for a rejected connection: %v", a)
	}
}
