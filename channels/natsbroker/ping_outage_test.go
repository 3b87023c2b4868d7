package natsbroker_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/nexogo/nexo/channels/natsbroker"
)

// TestPingDuringDisconnect pings without pause while the server goes away:
// every failing Ping of a broker that is not closed must say
// ErrNotConnected, including one that began while the connection still
// looked up and ended in the middle of the client's disconnect handling
// (its flush then fails with nats.ErrConnectionClosed).
func TestPingDuringDisconnect(t *testing.T) {
	for round := range 5 {
		s := ownServer(t)
		b := newFactory(t, s.URL()).New(t)
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			bad  []error
			fail = make(chan struct{})
		)
		for range 4 {
			wg.Go(func() {
				for {
					ctx, cancel := context.WithTimeout(context.Background(), time.Second)
					err := b.Ping(ctx)
					cancel()
					if err == nil {
						continue
					}
					if !errors.Is(err, natsbroker.ErrNotConnected) {
						mu.Lock()
						bad = append(bad, err)
						mu.Unlock()
					}
					select {
					case <-fail:
					default:
						close(fail)
					}
					return
				}
			})
		}
		s.Stop()
		select {
		case <-fail:
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d: Ping never failed with the server stopped", round)
		}
		wg.Wait()
		for _, err := range bad {
			t.Errorf("round %d: Ping with the server going away: %v, want ErrNotConnected", round, err)
		}
		b.Close()
	}
}
