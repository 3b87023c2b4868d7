package nexo_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels/redisbroker"
	"github.com/nexogo/nexo/nexotest"
)

// TestClusterRedisSubscriptionKilled: the Redis server kills one
// instance's subscription connection mid-stream (CLIENT KILL, as an
// operator or a failover would). Delivery resumes on every topic within a
// few seconds without user code: no subscription is lost, and what
// arrives is in order and never twice. Messages published while the
// connection was down may be missing: plain pub/sub is at-most-once.
func TestClusterRedisSubscriptionKilled(t *testing.T) {
	reachable(t, "redis", "127.0.0.1:6379")
	prefix := fmt.Sprintf("nexokill%d:", time.Now().UnixNano())
	pubBroker := brokerKinds[0].open(t, prefix).(*redisbroker.Broker)
	subBroker := brokerKinds[0].open(t, prefix).(*redisbroker.Broker)
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

	// Let traffic flow on every topic, then kill the subscriber's
	// subscription connection by its client name.
	before := subBroker.Reconnects()
	killSubscription(t, "nexo-"+subBroker.InstanceID())
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
	if subBroker.Reconnects() <= before {
		t.Errorf("Reconnects %d, want more than %d", subBroker.Reconnects(), before)
	}
	for _, c := range append(senders, readers...) {
		c.CloseNormal()
	}
}

// killSubscription kills the pub/sub connection of the client named name,
// and only that one: other tests share the server.
func killSubscription(t *testing.T, name string) {
	t.Helper()
	rc := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rc.Close()
	ctx := context.Background()
	list, err := rc.Do(ctx, "CLIENT", "LIST", "TYPE", "pubsub").Text()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(list, "\n") {
		var id string
		for _, f := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(f, "id="); ok {
				id = v
			}
			if f == "name="+name && id != "" {
				if err := rc.Do(ctx, "CLIENT", "KILL", "ID", id).Err(); err != nil {
					t.Fatal(err)
				}
				return
			}
		}
	}
	t.Fatalf("no pub/sub connection named %s in CLIENT LIST", name)
}
