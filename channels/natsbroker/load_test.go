package natsbroker_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/natsbroker"
)

// joinLoad is what a run of joins under load measured.
type joinLoad struct {
	failed   int
	firstErr error
	p50, p99 time.Duration // of a whole join
	leaseAge time.Duration // the longest any instance went without renewing
}

// loadJoins makes n joins at rate per second over three instances and
// three rooms, each as the chat example joins: subscribe to the room,
// record the member, announce it, list the room. Members stay.
func loadJoins(t *testing.T, url string, n, rate int, lease time.Duration) joinLoad {
	f := newFactory(t, url, natsbroker.WithLease(lease))
	bs := []*natsbroker.Broker{f.New(t), f.New(t), f.New(t)}
	ctx := context.Background()

	var worst atomic.Int64
	done := make(chan struct{})
	var watch sync.WaitGroup
	watch.Go(func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			for _, b := range bs {
				if a := int64(natsbroker.LeaseAge(b)); a > worst.Load() {
					worst.Store(a)
				}
			}
		}
	})

	var mu sync.Mutex
	var res joinLoad
	lat := make([]time.Duration, 0, n)
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Second / time.Duration(rate))
	for i := range n {
		<-tick.C
		wg.Go(func() {
			b := bs[i%3]
			topic := fmt.Sprintf("room:%d", i%3)
			start := time.Now()
			err := func() error {
				s := channels.SubscriberFunc(func(*channels.Message) {})
				if err := b.Subscribe(ctx, topic, &s); err != nil {
					return err
				}
				e := channels.PresenceEntry{ConnID: fmt.Sprint("c", i), UserID: fmt.Sprint("u", i), JoinedAt: time.Now().UTC()}
				if err := b.Presence().Join(ctx, topic, e); err != nil {
					return err
				}
				if err := channels.Publish(ctx, b, channels.PresenceTopic(topic), channels.PresenceEvent{Type: "presence", Event: "join", Topic: topic, Entry: e}); err != nil {
					return err
				}
				_, err := b.Presence().List(ctx, topic)
				return err
			}()
			d := time.Since(start)
			mu.Lock()
			defer mu.Unlock()
			lat = append(lat, d)
			if err != nil {
				res.failed++
				if res.firstErr == nil {
					res.firstErr = err
				}
			}
		})
	}
	tick.Stop()
	wg.Wait()
	close(done)
	watch.Wait()
	slices.Sort(lat)
	res.p50, res.p99 = lat[len(lat)/2], lat[len(lat)*99/100]
	res.leaseAge = time.Duration(worst.Load())
	return res
}

// TestJoinsUnderLoad: 1,000 joins at 200 a second over three instances
// (NEXO_JOIN_LOAD=2000 for the run) all succeed, and no instance
// goes a whole lease without renewing its lease (it is renewed every
// third of it).
func TestJoinsUnderLoad(t *testing.T) {
	n := 1000
	if v, err := strconv.Atoi(os.Getenv("NEXO_JOIN_LOAD")); err == nil {
		n = v
	}
	s := ownServer(t)
	const lease = 3 * time.Second
	r := loadJoins(t, s.URL(), n, 200, lease)
	t.Logf("%d joins at 200/s: %d failed (first: %v); join p50 %v, p99 %v; longest without a lease renewal %v (lease %v)",
		n, r.failed, r.firstErr, r.p50.Round(time.Millisecond), r.p99.Round(time.Millisecond), r.leaseAge.Round(time.Millisecond), lease)
	if r.failed > 0 {
		t.Errorf("%d of %d joins failed: %v", r.failed, n, r.firstErr)
	}
	if r.leaseAge > lease*2/3 {
		t.Errorf("an instance went %v without renewing its lease of %v", r.leaseAge, lease)
	}
}

// TestLeaseNotStarvedByPublishFlood: one instance publishes 4 KiB messages
// as fast as eight goroutines can, which both instances receive, for 3 s;
// neither goes a whole lease without renewing its lease, so neither is
// taken for dead.
func TestLeaseNotStarvedByPublishFlood(t *testing.T) {
	s := ownServer(t)
	const lease = time.Second
	f := newFactory(t, s.URL(), natsbroker.WithLease(lease))
	a, b := f.New(t), f.New(t)
	ctx := context.Background()
	var got atomic.Int64
	sub := channels.SubscriberFunc(func(*channels.Message) { got.Add(1) })
	for _, br := range []*natsbroker.Broker{a, b} {
		if err := br.Subscribe(ctx, "flood", &sub); err != nil {
			t.Fatal(err)
		}
	}
	// Framed once and written straight on the broker's connection, so
	// that the flood is as heavy under -race as without it.
	m, err := channels.NewMessage("flood", strings.Repeat("x", 4<<10))
	if err != nil {
		t.Fatal(err)
	}
	data, subject := channels.EncodeMessage(m), a.Subject("flood")
	done := make(chan struct{})
	var wg sync.WaitGroup
	var sent, failed atomic.Int64
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				if a.Conn().Publish(subject, data) == nil {
					sent.Add(1)
				} else {
					failed.Add(1)
				}
			}
		})
	}
	var worst time.Duration
	tick := time.NewTicker(20 * time.Millisecond)
	stop := time.After(3 * time.Second)
sample:
	for {
		select {
		case <-stop:
			break sample
		case <-tick.C:
		}
		for _, br := range []*natsbroker.Broker{a, b} {
			worst = max(worst, natsbroker.LeaseAge(br))
		}
	}
	tick.Stop()
	close(done)
	wg.Wait()
	t.Logf("%d messages of 4 KiB sent in 3 s (%d publishes failed), %d received; longest without a lease renewal %v (renewed every %v)",
		sent.Load(), failed.Load(), got.Load(), worst.Round(time.Millisecond), natsbroker.RenewEvery(a).Round(time.Millisecond))
	if worst >= lease {
		t.Errorf("an instance went %v without renewing its lease of %v", worst.Round(time.Millisecond), lease)
	}
}
