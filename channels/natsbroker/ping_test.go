package natsbroker_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/natsbroker"
)

// TestPingFollowsTheServer stops and restarts a server of the test's own:
// Ping answers nil while it is up, an error while it is away, nil again
// once the broker has reconnected, and ErrBrokerClosed after Close.
func TestPingFollowsTheServer(t *testing.T) {
	s := ownServer(t)
	b := newFactory(t, s.URL()).New(t)
	ping := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		return b.Ping(ctx)
	}
	if err := ping(); err != nil {
		t.Fatalf("Ping with the server up: %v", err)
	}
	s.Stop()
	var err error
	waitFor(t, 5*time.Second, "a failing Ping", func() bool { err = ping(); return err != nil })
	if !errors.Is(err, natsbroker.ErrNotConnected) {
		t.Errorf("Ping with the server down: %v, want ErrNotConnected", err)
	}
	s.Start()
	waitFor(t, 10*time.Second, "Ping after the restart", func() bool { return ping() == nil })
	b.Close()
	if err := ping(); !errors.Is(err, channels.ErrBrokerClosed) {
		t.Errorf("Ping after Close: %v, want ErrBrokerClosed", err)
	}
}
