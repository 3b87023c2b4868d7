package ws_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/nexogo/nexo/ws"
)

// TestShutdownDeadlineRefusesPendingHandshake: when Shutdown's context ends
// while a handler has not accepted yet (a slow verifier), the request is
// refused with 503 there and then, and the handler's late Accept fails.
// It used to complete the handshake after Shutdown had returned, on a
// connection already marked closed that nothing would close: the client
// got its 101 and then silence, answered pings, for as long as it stayed.
func TestShutdownDeadlineRefusesPendingHandshake(t *testing.T) {
	in := make(chan struct{})
	release := make(chan struct{})
	accepted := make(chan error, 1)
	s, srv := serve(t, func(c *ws.Conn) error {
		close(in)
		<-release // a verifier that does not watch the context
		err := c.Accept()
		accepted <- err
		if err != nil {
			return err
		}
		_, err = c.Receive()
		return err
	}, ws.WithLogger(discard()))
	answer := make(chan *http.Response, 1)
	go func() { answer <- rawUpgrade(t, s.URL, "/ws", upgradeHeader()) }()
	<-in
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the shutdown deadline has passed
	if err := srv.Shutdown(ctx, 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("Shutdown: %v", err)
	}
	close(release)
	resp := <-answer
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status %d after Shutdown returned, want 503", resp.StatusCode)
	}
	if err := <-accepted; !errors.Is(err, ws.ErrNotAccepted) {
		t.Fatalf("the late Accept returned %v, want ErrNotAccepted", err)
	}
}
