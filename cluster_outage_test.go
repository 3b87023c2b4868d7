package nexo_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/natsbroker"
	"github.com/nexogo/nexo/channels/redisbroker"
	"github.com/nexogo/nexo/internal/servicetest"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// outageLease is the presence lease of the instances of
// TestClusterBrokerOutage.
const outageLease = 2 * time.Second

// outageRooms are the rooms with traffic in TestClusterBrokerOutage;
// "solo" has one member, who leaves during each outage.
var outageRooms = []string{"a", "b", "c"}

// outageApp serves /rooms/{room}?name=N: a member of room:{room} with
// presence and recovery, which only listens. {"type":"ready"} follows a
// successful Join.
func outageApp(b channels.Broker) *nexo.App {
	app := nexo.New(nexo.WithBroker(b))
	app.WebSocketRoute("/rooms/{room}", func(c *ws.Conn) error {
		_, err := channels.Join(c, "room:"+c.PathParam("room"),
			channels.WithRecovery(), channels.WithPresence(c.Query().Get("name"), nil))
		if err != nil {
			return err
		}
		if err := c.SendJSON(outageFrame{Type: "ready"}); err != nil {
			return err
		}
		for range c.Texts() {
		}
		return c.Err()
	})
	return app
}

// openOutageBroker opens a broker of kind on srv, with history on every
// room and the outage lease.
func openOutageBroker(t *testing.T, kind string, srv *servicetest.Server) channels.PresenceBroker {
	t.Helper()
	pol := channels.HistoryPolicy{Pattern: "room:*", MaxCount: 100000, MaxAge: 10 * time.Minute}
	ctx := context.Background()
	var (
		b   channels.PresenceBroker
		err error
	)
	if kind == "redis" {
		b, err = redisbroker.Open(ctx, srv.URL(), redisbroker.WithHistory(pol),
			redisbroker.WithLease(outageLease), redisbroker.WithLogger(discardLogger()))
	} else {
		b, err = natsbroker.Open(ctx, srv.URL(), natsbroker.WithHistory(pol),
			natsbroker.WithLease(outageLease), natsbroker.WithLogger(discardLogger()))
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// ownBrokerServer starts a server of kind ("redis" or "nats", with
// JetStream) of t's own.
func ownBrokerServer(t *testing.T, kind string) *servicetest.Server {
	if kind == "redis" {
		return servicetest.Redis(t)
	}
	return servicetest.NATS(t)
}

// outageFrame is a frame of a recovering subscription.
type outageFrame struct {
	Type      string          `json:"type"`
	Epoch     string          `json:"epoch,omitempty"`
	Recovered bool            `json:"recovered,omitempty"`
	Data      json.RawMessage `json:"data,omitempty"`
}

// member is a client of TestClusterBrokerOutage: what it received, in
// order: sequence numbers, and -1 for each recovered:false.
type member struct {
	name, room string
	conn       *nexotest.Conn

	mu    sync.Mutex
	got   []int
	last  int // the last sequence number received
	seen  chan int
	ready chan struct{} // closed when the join completed
	done  chan error    // the reader's end
}

const lostMark = -1

// dialMember joins name to room on ts, waits until the join completed,
// and reads its frames until the connection ends.
func dialMember(t *testing.T, ts *nexotest.Server, room, name string) *member {
	t.Helper()
	m := &member{name: name, room: room, last: -1, seen: make(chan int, 1), ready: make(chan struct{}), done: make(chan error, 1)}
	// Reads wait through the longest outage.
	m.conn = ts.Dial("/rooms/"+room+"?name="+name, nexotest.WithTimeout(90*time.Second))
	go m.read()
	select {
	case <-m.ready:
	case err := <-m.done:
		t.Fatalf("%s: join: %v", name, err)
	}
	return m
}

func (m *member) read() {
	for {
		_, data, err := m.conn.TryRead()
		if err != nil {
			m.done <- err
			return
		}
		var f outageFrame
		if err := json.Unmarshal(data, &f); err != nil {
			m.done <- fmt.Errorf("%s: %q: %w", m.name, data, err)
			return
		}
		m.mu.Lock()
		switch {
		case f.Type == "ready":
			close(m.ready)
		case f.Type == "joined" && !f.Recovered:
			m.got = append(m.got, lostMark)
		case f.Type == "pub":
			n, err := strconv.Atoi(string(f.Data))
			if err != nil {
				m.mu.Unlock()
				m.done <- fmt.Errorf("%s: %q: %w", m.name, data, err)
				return
			}
			m.got = append(m.got, n)
			m.last = n
			select {
			case m.seen <- n:
			default:
			}
		}
		m.mu.Unlock()
	}
}

// close ends m's connection normally; its reader sees the server's
// answer.
func (m *member) close() {
	m.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	select {
	case <-m.done:
	case <-time.After(5 * time.Second):
	}
	m.conn.Close()
}

// waitFor waits until m has received seq n.
func (m *member) waitFor(t *testing.T, n int, d time.Duration) {
	t.Helper()
	deadline := time.After(d)
	for {
		m.mu.Lock()
		last := m.last
		m.mu.Unlock()
		if last >= n {
			return
		}
		select {
		case <-m.seen:
		case err := <-m.done:
			t.Fatalf("%s: connection ended before %d: %v", m.name, n, err)
		case <-deadline:
			t.Fatalf("%s: %d not received within %v (last %d)", m.name, n, d, last)
		}
	}
}

// check verifies what m received of the sequence published in its room
// (ok: the numbers whose publish succeeded): never twice, in order, and
// every number, except before a recovered:false; and lost recovered:false
// frames.
func (m *member) check(t *testing.T, ok []int, lost int) {
	t.Helper()
	m.mu.Lock()
	got := slices.Clone(m.got)
	m.mu.Unlock()
	prev, told, marks := -1, false, 0
	for _, n := range got {
		if n == lostMark {
			told = true
			marks++
			continue
		}
		if n <= prev {
			t.Errorf("%s: %d after %d (twice or out of order)", m.name, n, prev)
			return
		}
		i, _ := slices.BinarySearch(ok, prev+1)
		if i < len(ok) && ok[i] < n && !told {
			t.Errorf("%s: %d missed (got %d after %d) without recovered:false", m.name, ok[i], n, prev)
			return
		}
		prev, told = n, false
	}
	if marks != lost {
		t.Errorf("%s: told recovered:false %d times, want %d", m.name, marks, lost)
	}
}

// publisher publishes an increasing sequence on one room until stopped,
// from each instance in turn, one publish at a time.
type publisher struct {
	mu     sync.Mutex
	ok     []int          // the numbers whose publish succeeded
	epochs map[string]int // the epochs the successful publishes were given
	next   int
}

// last returns the last number published successfully, -1 for none.
func (p *publisher) last() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.ok) == 0 {
		return -1
	}
	return p.ok[len(p.ok)-1]
}

func (p *publisher) publish(ctx context.Context, b channels.Broker, topic string) {
	p.mu.Lock()
	n := p.next
	p.next++
	p.mu.Unlock()
	msg, err := channels.NewMessage(topic, n)
	if err != nil {
		panic(err)
	}
	if b.Publish(ctx, topic, msg) != nil {
		return // the broker is away: the number is skipped
	}
	p.mu.Lock()
	p.ok = append(p.ok, n)
	p.epochs[msg.Pos.Epoch]++
	p.mu.Unlock()
}

// TestClusterBrokerOutage: three instances share a Redis or NATS server of
// their own, with history and presence on three rooms of six members
// each (two per instance), while a sequence is published on each room.
// The server is stopped for 0.2 s, 5 s and 30 s (-short: not the 30 s)
// mid-stream; during each outage a room's only member, and one member of
// room a, leave. After each return, every room is joinable on every
// instance within 5 s, the one whose last member left during the outage
// included. In the end every member has received every message once, in
// order, or was told recovered:false once per lost history: Redis starts
// exactly one new epoch per restart (its server here keeps nothing), NATS
// none (its store keeps the streams); and presence lists exactly the
// connected members on every instance within one lease.
func TestClusterBrokerOutage(t *testing.T) {
	outages := []time.Duration{200 * time.Millisecond, 5 * time.Second, 30 * time.Second}
	if testing.Short() {
		outages = outages[:2]
	}
	for _, kind := range []string{"redis", "nats"} {
		t.Run(kind, func(t *testing.T) {
			srv := ownBrokerServer(t, kind)
			var brokers []channels.PresenceBroker
			var servers []*nexotest.Server
			for range 3 {
				b := openOutageBroker(t, kind, srv)
				brokers = append(brokers, b)
				servers = append(servers, nexotest.NewServer(t, outageApp(b)))
			}
			members := map[string]*member{} // by name: those connected
			for _, room := range outageRooms {
				for i, ts := range servers {
					for k := range 2 {
						name := fmt.Sprintf("%s-%d-%d", room, i, k)
						members[name] = dialMember(t, ts, room, name)
					}
				}
			}
			defer func() {
				for _, m := range members {
					m.close()
				}
			}()

			ctx := context.Background()
			pubs := map[string]*publisher{}
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for _, room := range outageRooms {
				p := &publisher{epochs: map[string]int{}}
				pubs[room] = p
				wg.Go(func() {
					tick := time.NewTicker(20 * time.Millisecond) // pacing, not synchronisation
					defer tick.Stop()
					for i := 0; ; i++ {
						p.publish(ctx, brokers[i%len(brokers)], "room:"+room)
						select {
						case <-stop:
							return
						case <-tick.C:
						}
					}
				})
			}
			stopped := false
			stopPublishing := func() {
				if !stopped {
					stopped = true
					close(stop)
					wg.Wait()
				}
			}
			defer stopPublishing()

			for o, outage := range outages {
				// The traffic reaches everyone before the outage.
				for _, m := range members {
					m.waitFor(t, pubs[m.room].last(), 10*time.Second)
				}
				solo := dialMember(t, servers[o%3], "solo", fmt.Sprintf("solo-%d", o))
				leaver := members[fmt.Sprintf("a-%d-0", o%3)]
				delete(members, leaver.name)

				srv.Stop()
				solo.close() // each during the outage
				leaver.close()
				time.Sleep(outage) // the outage itself
				srv.Start()
				back := time.Now()

				// Every room joinable on every instance within 5 s.
				var probes sync.WaitGroup
				var slowest atomic.Int64
				for i, ts := range servers {
					for _, room := range append([]string{"solo"}, outageRooms...) {
						probes.Go(func() {
							if probeJoin(t, ts, room, fmt.Sprintf("probe-%d-%d-%s", o, i, room), back) {
								d := int64(time.Since(back))
								for cur := slowest.Load(); d > cur && !slowest.CompareAndSwap(cur, d); cur = slowest.Load() {
								}
							}
						})
					}
				}
				probes.Wait()
				if t.Failed() {
					return
				}
				probed := time.Now()
				// Presence: the connected members, on every instance,
				// within one lease.
				checkPresence(t, brokers, members, outageLease)
				t.Logf("outage %v: every room joined on every instance %v after the return; presence right %v after that",
					outage, time.Duration(slowest.Load()).Round(time.Millisecond), time.Since(probed).Round(time.Millisecond))
			}

			stopPublishing()
			for _, room := range outageRooms { // a last number that everyone must get
				p := pubs[room]
				for n := p.last(); p.last() == n; {
					p.publish(ctx, brokers[0], "room:"+room)
				}
			}
			lost := 0
			if kind == "redis" {
				lost = len(outages) // a new epoch per restart
			}
			for _, m := range members {
				p := pubs[m.room]
				m.waitFor(t, p.ok[len(p.ok)-1], 10*time.Second)
				m.check(t, p.ok, lost)
			}
			for room, p := range pubs {
				if len(p.epochs) != lost+1 {
					t.Errorf("room %s: publishes were given %d epochs, want %d: %v", room, len(p.epochs), lost+1, p.epochs)
				}
			}
		})
	}
}

// probeJoin joins room on ts as name, retrying until it succeeds, and fails
// t when that is more than 5 s after back. It reports whether it joined.
func probeJoin(t *testing.T, ts *nexotest.Server, room, name string, back time.Time) bool {
	for {
		c, _, err := ts.TryDial("/rooms/"+room+"?name="+name, nexotest.WithTimeout(5*time.Second))
		if err == nil {
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			var f outageFrame
			for err == nil && f.Type != "ready" { // until the join completed
				err = c.Conn.ReadJSON(&f)
			}
			c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
			c.TryClose()
			c.Close()
			if err == nil {
				return true
			}
		}
		if time.Since(back) > 5*time.Second {
			t.Errorf("%s not joinable %v after the broker's return: %v", room, time.Since(back).Round(time.Millisecond), err)
			return false
		}
		time.Sleep(50 * time.Millisecond) // a retry's pacing
	}
}

// checkPresence waits until every instance lists exactly the connected
// members of every room, and fails t after within.
func checkPresence(t *testing.T, brokers []channels.PresenceBroker, members map[string]*member, within time.Duration) {
	t.Helper()
	want := map[string][]string{}
	for _, m := range members {
		want[m.room] = append(want[m.room], m.name)
	}
	want["solo"] = nil
	for _, names := range want {
		slices.Sort(names)
	}
	deadline := time.Now().Add(within)
	for {
		var diff string
		for i, b := range brokers {
			for room, names := range want {
				es, err := b.Presence().List(context.Background(), "room:"+room)
				var got []string
				for _, e := range es {
					got = append(got, e.UserID)
				}
				slices.Sort(got)
				if err != nil || !slices.Equal(got, names) {
					diff = fmt.Sprintf("instance %d, room %s: %v (%v), want %v", i, room, got, err, names)
				}
			}
		}
		if diff == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("presence not the connected members %v after the probes: %s", within, diff)
		}
		time.Sleep(50 * time.Millisecond) // healing is a lease renewal: no event to wait on
	}
}
