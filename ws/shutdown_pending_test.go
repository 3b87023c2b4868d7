package ws_test

// Shutdown meeting a handshake still in flight: a handler that has not
// accepted when Shutdown starts.

import (
	"context"
	"net/http"
	"testing"

	"github.com/nexogo/nexo/ws"
)

// TestShutdownRefusesPendingHandshakeWith503: a handler that gives up
// before accepting because Shutdown ended its context (a verifier that
// watches the context, a wait on it) leaves its client with 503 and
// Retry-After, as a handshake that arrives during Shutdown gets, so that
// the client retries elsewhere: not 403, which tells it to stop.
func TestShutdownRefusesPendingHandshakeWith503(t *testing.T) {
	obs := newReasonCounter()
	in := make(chan struct{})
	s, srv := serve(t, func(c *ws.Conn) error {
		close(in)
		<-c.Context().Done()
		return nil // gives up, as the shutdown asked
	}, ws.WithObserver(obs), ws.WithLogger(discard()))
	answer := make(chan *http.Response, 1)
	go func() { answer <- rawUpgrade(t, s.URL, "/ws", upgradeHeader()) }()
	<-in
	if err := srv.Shutdown(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	resp := <-answer
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("status %d, Retry-After %q; want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if n := obs.count(ws.RefusedDraining); n != 1 {
		t.Fatalf("%d refusals counted as %q, want 1 (by reason: %v)", n, ws.RefusedDraining, srv.Stats().RefusedBy)
	}
}
