package nexo_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels/redisbroker"
	"github.com/nexogo/nexo/internal/servicetest"
	"github.com/nexogo/nexo/nexotest"
)

// TestClusterRedisSubscriptionKilled: the Redis server kills every
// pub/sub connection mid-stream (CLIENT KILL TYPE pubsub, as an operator
// or a failover would), those of both instances. Delivery resumes on every
// topic within a few seconds without user code: no subscription is lost,
// and what arrives is in order and never twice. Messages published while
// the connection was down may be missing: plain pub/sub is at-most-once.
// The server is the test's own, so that no other test's subscriptions are
// killed.
func TestClusterRedisSubscriptionKilled(t *testing.T) {
	srv := servicetest.Redis(t)
	prefix := fmt.Sprintf("nexokill%d:", time.Now().UnixNano())
	open := func() *redisbroker.Broker {
		b, err := redisbroker.Open(context.Background(), srv.URL(), redisbroker.WithPrefix(prefix), redisbroker.WithLogger(discardLogger()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		return b
	}
	pubBroker, subBroker := open(), open()
	pubs := nexotest.NewServer(t, roomApp(nexo.WithBroker(pubBroker)))
	subs := nexotest.NewServer(t, roomApp(nexo.WithBroker(subBroker)))

	const topics = 10
	var senders, readers []*nexotest.Conn
	for tp := range topics {
		r := subs.Dial(fmt.Sprintf("/rooms/k%d?name=r%d", tp, tp), nexotest.WithTimeout(15*time.Second))
		r.ReadText() // joined
		readers = append(readers, r)
		s := pubs.Dial(fmt.Sprintf("/rooms/k%d?name=s%d&quiet=1", tp, tp))
		s.ReadText()
		senders = append(senders, s)
	}

	// Each sender publishes an increasing sequence until told to stop.
	var killedAt [topics]int // the first sequence number sent after the kill
	var mu sync.Mutex
	killed := false
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for tp, s := range senders {
		wg.Go(func() {
			tick := time.NewTicker(10 * time.Millisecond) // pacing, not synchronisation
			defer tick.Stop()
			for i := 0; ; i++ {
				mu.Lock()
				if killed && killedAt[tp] == 0 {
					killedAt[tp] = i
				}
				mu.Unlock()
				s.SendText(strconv.Itoa(i))
				select {
				case <-stop:
					return
				case <-tick.C:
				}
			}
		})
	}

	// Readers check order and wait for a message sent after the kill.
	errs := make(chan error, topics)
	for tp, r := range readers {
		go func() {
			last := -1
			for {
				_, data, err := r.TryRead()
				if err != nil {
					errs <- fmt.Errorf("topic %d after %d: %w", tp, last, err)
					return
				}
				n, err := strconv.Atoi(string(data))
				if err != nil || n <= last {
					errs <- fmt.Errorf("topic %d: %q after %d (out of order or twice)", tp, data, last)
					return
				}
				last = n
				mu.Lock()
				after := killed && killedAt[tp] != 0 && n >= killedAt[tp]
				mu.Unlock()
				if after {
					errs <- nil
					return
				}
			}
		}()
	}

	// Traffic flows on every topic; kill every pub/sub connection.
	before := [2]uint64{pubBroker.Reconnects(), subBroker.Reconnects()}
	rc := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer rc.Close()
	ctx := context.Background()
	n, err := rc.Do(ctx, "CLIENT", "KILL", "TYPE", "pubsub").Int()
	if err != nil || n < 2 {
		t.Fatalf("CLIENT KILL TYPE pubsub: %d killed, %v; want both instances'", n, err)
	}
	mu.Lock()
	killed = true
	mu.Unlock()

	for range topics {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	close(stop)
	wg.Wait()
	// No subscription lost: both instances reconnected, and the server
	// sees both on every topic again. The publishing instance's
	// resubscription has no event of its own to wait on: poll.
	deadline := time.Now().Add(5 * time.Second)
	for i, b := range []*redisbroker.Broker{pubBroker, subBroker} {
		for b.Reconnects() <= before[i] {
			if time.Now().After(deadline) {
				t.Fatalf("instance %d: Reconnects %d, want more than %d", i, b.Reconnects(), before[i])
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	for tp := range topics {
		ch := pubBroker.Channel(fmt.Sprintf("room:k%d", tp))
		for {
			counts, err := rc.PubSubNumSub(ctx, ch).Result()
			if err == nil && counts[ch] == 2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d subscribing connections after the kill, want 2 (%v)", ch, counts[ch], err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	for _, c := range append(senders, readers...) {
		c.CloseNormal()
	}
}
