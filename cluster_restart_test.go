package nexo_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/natsbroker"
	"github.com/nexogo/nexo/channels/redisbroker"
	"github.com/nexogo/nexo/nexotest"
)

// TestClusterBrokerRestarted: two instances share a Redis or NATS server
// of the test's own, which is stopped and started again while one
// instance publishes a sequence on a room with members on both. Every
// member keeps receiving without user code: what arrives is in order and
// never twice, and messages published after the restart arrive (those
// published during it may not: plain pub/sub is at most once). Presence
// then agrees on both instances and lists every member, even after a
// Redis restart that lost every key.
func TestClusterBrokerRestarted(t *testing.T) {
	for _, kind := range []string{"redis", "nats"} {
		t.Run(kind, func(t *testing.T) {
			srv := ownBrokerServer(t, kind)
			open := func() channels.Broker {
				var (
					b   channels.Broker
					err error
				)
				ctx := context.Background()
				if kind == "redis" {
					b, err = redisbroker.Open(ctx, srv.URL(), redisbroker.WithLease(crashLease), redisbroker.WithLogger(discardLogger()))
				} else {
					b, err = natsbroker.Open(ctx, srv.URL(), natsbroker.WithLease(crashLease), natsbroker.WithLogger(discardLogger()))
				}
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { b.Close() })
				return b
			}
			app1, app2 := roomApp(nexo.WithBroker(open())), roomApp(nexo.WithBroker(open()))
			servers := []*nexotest.Server{nexotest.NewServer(t, app1), nexotest.NewServer(t, app2)}
			var readers []*nexotest.Conn
			for i := range 4 {
				r := servers[i%2].Dial(fmt.Sprintf("/rooms/seq?name=r%d", i), nexotest.WithTimeout(20*time.Second))
				r.ReadText() // joined
				readers = append(readers, r)
			}

			// One publisher: an increasing sequence, until stopped. A
			// publish that fails (the server is down) is skipped.
			var sent, after atomic.Int64 // after: first number published once the server is back
			after.Store(-1)
			stop := make(chan struct{})
			var wg sync.WaitGroup
			wg.Go(func() {
				tick := time.NewTicker(5 * time.Millisecond) // pacing, not synchronisation
				defer tick.Stop()
				for i := int64(0); ; i++ {
					if app1.Publish(context.Background(), "room:seq", strconv.FormatInt(i, 10)) == nil {
						sent.Store(i)
					}
					select {
					case <-stop:
						return
					case <-tick.C:
					}
				}
			})
			errs := make(chan error, len(readers))
			started := make(chan struct{}, len(readers))
			for i, r := range readers {
				go func() {
					last := int64(-1)
					for {
						_, data, err := r.TryRead()
						if err != nil {
							errs <- fmt.Errorf("reader %d after %d: %w", i, last, err)
							return
						}
						n, err := strconv.ParseInt(string(data), 10, 64)
						if err != nil || n <= last {
							errs <- fmt.Errorf("reader %d: %q after %d (out of order or twice)", i, data, last)
							return
						}
						if last == -1 {
							started <- struct{}{}
						}
						last = n
						if a := after.Load(); a >= 0 && n >= a {
							errs <- nil
							return
						}
					}
				}()
			}
			for range readers {
				<-started
			}
			srv.Stop()
			srv.Start()
			after.Store(sent.Load() + 1)
			for range readers {
				if err := <-errs; err != nil {
					t.Error(err)
				}
			}
			close(stop)
			wg.Wait()

			// Presence agrees on both instances, every member listed. A
			// Redis that lost its keys is written again by each instance
			// when it renews its lease: poll.
			want := []string{"r0", "r1", "r2", "r3"}
			deadline := time.Now().Add(10 * time.Second)
			for {
				var lists [2][]string
				for i, app := range []*nexo.App{app1, app2} {
					es, err := app.Broker().(channels.PresenceBroker).Presence().List(context.Background(), "room:seq")
					if err == nil {
						for _, e := range es {
							lists[i] = append(lists[i], e.UserID)
						}
						slices.Sort(lists[i])
					}
				}
				if slices.Equal(lists[0], want) && slices.Equal(lists[1], want) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("presence after the restart: %v and %v, want %v on both", lists[0], lists[1], want)
				}
				time.Sleep(50 * time.Millisecond) // healing is a lease renewal: no event to wait on
			}
			for _, r := range readers {
				r.CloseNormal()
			}
		})
	}
}
