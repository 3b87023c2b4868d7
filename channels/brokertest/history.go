package brokertest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// HistoryFactory returns a new broker keeping history for the topics of
// policy (and the factory closes it at the end of the test). Like Factory,
// brokers of a backend that spans instances share their history.
type HistoryFactory func(t *testing.T, policy channels.HistoryPolicy) channels.HistoryBroker

// HistoryOptions describe the recovery checks of RunHistory.
type HistoryOptions struct {
	// Cluster is true when brokers from the same factory share messages
	// and history; the reconnection tests then publish on one instance
	// and recover on another.
	Cluster bool
	// Lose, when set, makes the backend lose b's history (a restarted
	// process, a flushed stream) and returns a broker on the new backend
	// state, built with policy; clients must then be told recovered:false.
	Lose func(t *testing.T, b channels.HistoryBroker, policy channels.HistoryPolicy) channels.HistoryBroker
	// Kill, when set, breaks b's connection to its backend and returns
	// at once, without waiting for b to reconnect: messages published
	// meanwhile must reach b's subscribers from the history.
	Kill func(t *testing.T, b channels.HistoryBroker)
	// Restart, when set, stops the backend cleanly and starts it again
	// with its history intact (a NATS server with file storage), and
	// returns once it answers. Clients that disconnect and reconnect at
	// random points while messages flow across the restart must still end
	// with every message once and in order; the publisher retries a
	// publish that failed.
	Restart func(t *testing.T)
}

// RunHistory checks a HistoryBroker through channels.Join with
// WithRecovery, over real WebSocket connections: replay after a
// disconnection, exactly once and in order, through the seam between
// replay and live delivery; recovered:false for a gap larger than the
// history, for a lost history, and for an impossible position; no harm
// from a malformed nexo_since; and SaveHistory / NoHistory publishes
// checked against the broker's policy.
func RunHistory(t *testing.T, newBroker HistoryFactory, opts HistoryOptions) {
	t.Run("Position", func(t *testing.T) { historyPosition(t, newBroker) })
	t.Run("PayloadEncoding", func(t *testing.T) { historyEncoding(t, newBroker) })
	t.Run("Reconnect500", func(t *testing.T) { historyReconnect(t, newBroker, opts.Cluster) })
	if opts.Kill != nil {
		t.Run("BrokerKilled500", func(t *testing.T) { historyKilled(t, newBroker, opts.Cluster, opts.Kill) })
	}
	t.Run("Churn", func(t *testing.T) { historyChurn(t, newBroker, opts.Cluster, nil) })
	if opts.Restart != nil {
		t.Run("ChurnRestart", func(t *testing.T) { historyChurn(t, newBroker, opts.Cluster, opts.Restart) })
	}
	if opts.Cluster {
		t.Run("FirstPublishesAtOnce", func(t *testing.T) { historyAtOnce(t, newBroker) })
	}
	t.Run("GapTooLarge", func(t *testing.T) { historyGap(t, newBroker) })
	t.Run("BoundedByBytes", func(t *testing.T) { historyBytes(t, newBroker) })
	t.Run("BoundedByAge", func(t *testing.T) { historyAge(t, newBroker) })
	t.Run("RecoverLast", func(t *testing.T) { historyLast(t, newBroker) })
	t.Run("BadSince", func(t *testing.T) { historyBadSince(t, newBroker) })
	t.Run("PublishOptions", func(t *testing.T) { historyOptions(t, newBroker) })
	if opts.Lose != nil {
		t.Run("EpochChange", func(t *testing.T) { historyEpoch(t, newBroker, opts.Lose) })
	}
}

func policy(t *testing.T, n int) (channels.HistoryPolicy, string) {
	tp := topic(t, "hist")
	return channels.HistoryPolicy{Pattern: tp + "*", MaxCount: n}, tp + ":room"
}

// frame is any frame of a recovering subscription.
type frame struct {
	Type      string          `json:"type"`
	Topic     string          `json:"topic"`
	Epoch     string          `json:"epoch"`
	Offset    uint64          `json:"offset"`
	Recovered bool            `json:"recovered"`
	Encoding  string          `json:"encoding"`
	Data      json.RawMessage `json:"data"`
}

// item is the payload the tests publish.
type item struct {
	I int `json:"i"`
}

// historyServer serves Join with WithRecovery on b at /ws?topic=T[&last=N].
func historyServer(t *testing.T, b channels.Broker) *nexotest.Server {
	srv := ws.NewServer(context.Background())
	mux := http.NewServeMux()
	mux.Handle("/ws", srv.Handler(func(c *ws.Conn) error {
		opts := []channels.JoinOption{channels.WithBroker(b), channels.WithRecovery()}
		if n, err := strconv.Atoi(c.Query().Get("last")); err == nil {
			opts = append(opts, channels.RecoverLast(n))
		}
		if _, err := channels.Join(c, c.Query().Get("topic"), opts...); err != nil {
			return err
		}
		for {
			if _, err := c.Receive(); err != nil {
				return err
			}
		}
	}))
	return nexotest.NewServer(t, shutdowner{mux, srv})
}

type shutdowner struct {
	http.Handler
	srv *ws.Server
}

func (s shutdowner) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx, 0) }

// client is a recovering client: it keeps the last position and the items
// received, and fails the test on any duplicate or gap.
type client struct {
	t     *testing.T
	topic string
	c     *nexotest.Conn
	pos   channels.Position
	items []int
}

// dial connects with the client's position (none before the first join)
// and reads up to the joined frame, returning it.
func (cl *client) dial(ts *nexotest.Server, query string) frame {
	cl.t.Helper()
	q := url.Values{"topic": {cl.topic}}
	if cl.pos.Epoch != "" {
		b, _ := json.Marshal(map[string]channels.Position{cl.topic: cl.pos})
		q.Set(channels.SinceParam, string(b))
	}
	path := "/ws?" + q.Encode()
	if query != "" {
		path += "&" + query
	}
	cl.c = ts.Dial(path)
	cl.t.Cleanup(func() { cl.c.Close() })
	for {
		f := cl.read()
		if f.Type == "joined" {
			return f
		}
	}
}

// read reads one frame, checks it and records its position and item.
func (cl *client) read() frame {
	cl.t.Helper()
	_, b := cl.c.Read()
	return cl.handle(b)
}

// handle checks a frame read and records its position and item.
func (cl *client) handle(b []byte) frame {
	cl.t.Helper()
	var f frame
	if err := json.Unmarshal(b, &f); err != nil {
		cl.t.Fatalf("frame %s: %v", b, err)
	}
	if f.Topic != cl.topic || f.Epoch == "" {
		cl.t.Fatalf("frame %s: topic or epoch missing", b)
	}
	switch f.Type {
	case "joined":
		cl.pos = channels.Position{Epoch: f.Epoch, Offset: f.Offset}
	case "pub":
		if f.Epoch == cl.pos.Epoch && f.Offset != cl.pos.Offset+1 {
			cl.t.Fatalf("pub at offset %d after %v: a gap or a duplicate", f.Offset, cl.pos)
		}
		var it item
		if err := json.Unmarshal(f.Data, &it); err != nil {
			cl.t.Fatalf("pub data %s: %v", f.Data, err)
		}
		cl.pos = channels.Position{Epoch: f.Epoch, Offset: f.Offset}
		cl.items = append(cl.items, it.I)
	default:
		cl.t.Fatalf("unexpected frame %s", b)
	}
	return f
}

// redial reconnects with the client's position until a connection joins,
// for a backend that may be restarting: a connection refused or closed
// before its joined frame is tried again.
func (cl *client) redial(ts *nexotest.Server) frame {
	cl.t.Helper()
	q := url.Values{"topic": {cl.topic}}
	deadline := time.Now().Add(20 * time.Second)
	for attempt := 0; ; attempt++ {
		if time.Now().After(deadline) {
			cl.t.Fatalf("no join within 20 s (%d attempts)", attempt)
		}
		b, _ := json.Marshal(map[string]channels.Position{cl.topic: cl.pos})
		q.Set(channels.SinceParam, string(b))
		c, _, err := ts.TryDial("/ws?" + q.Encode())
		if err != nil {
			time.Sleep(20 * time.Millisecond) // the backend is restarting: no event tells when it is back
			continue
		}
		cl.c = c
		cl.t.Cleanup(func() { c.Close() })
		for {
			_, data, err := c.TryRead()
			if err != nil {
				break
			}
			if f := cl.handle(data); f.Type == "joined" {
				return f
			}
		}
		c.Close()
		time.Sleep(20 * time.Millisecond)
	}
}

// until reads pub frames until the client holds n items.
func (cl *client) until(n int) {
	cl.t.Helper()
	for len(cl.items) < n {
		if f := cl.read(); f.Type != "pub" {
			cl.t.Fatalf("got %s frame while waiting for item %d", f.Type, len(cl.items))
		}
	}
}

// has reports whether the client received the last of n items.
func (cl *client) has(n int) bool { return len(cl.items) > 0 && cl.items[len(cl.items)-1] == n-1 }

// checkItems checks that the client holds 0..n-1, once each, in order.
func (cl *client) checkItems(n int) {
	cl.t.Helper()
	cl.checkRetried(n, nil)
}

// checkRetried is checkItems for a publisher that retried the items of
// retried: a publish that failed may still have been stored, so each of
// those may follow itself once more (at a later offset).
func (cl *client) checkRetried(n int, retried map[int]bool) {
	cl.t.Helper()
	if len(retried) > 0 {
		kept := cl.items[:0:0]
		for i, v := range cl.items {
			if i > 0 && v == cl.items[i-1] && retried[v] {
				continue
			}
			kept = append(kept, v)
		}
		cl.items = kept
	}
	if len(cl.items) != n {
		cl.t.Fatalf("client holds %d items, want %d", len(cl.items), n)
	}
	for i, v := range cl.items {
		if v != i {
			cl.t.Fatalf("item %d is %d: %v", i, v, cl.items[max(0, i-3):min(len(cl.items), i+3)])
		}
	}
}

func publishItems(t *testing.T, b channels.Broker, topic string, from, to int) {
	for i := from; i < to; i++ {
		if err := channels.Publish(context.Background(), b, topic, item{i}); err != nil {
			t.Errorf("publish %d: %v", i, err)
			return
		}
	}
}

func historyPosition(t *testing.T, newBroker HistoryFactory) {
	p, tp := policy(t, 100)
	b := newBroker(t, p)
	if !b.HasHistory(tp) || b.HasHistory("other:"+tp) {
		t.Fatalf("HasHistory wrong for %q under %q", tp, p.Pattern)
	}
	cl := &client{t: t, topic: tp}
	j := cl.dial(historyServer(t, b), "")
	if j.Offset != 0 || !j.Recovered || j.Epoch == "" {
		t.Fatalf("joined on an empty topic: %+v", j)
	}
	publishItems(t, b, tp, 0, 3)
	cl.until(3)
	cl.checkItems(3)
	if cl.pos.Offset != 3 || cl.pos.Epoch != j.Epoch {
		t.Fatalf("position after 3 messages: %v", cl.pos)
	}
}

func historyEncoding(t *testing.T, newBroker HistoryFactory) {
	p, tp := policy(t, 100)
	b := newBroker(t, p)
	cl := &client{t: t, topic: tp}
	cl.dial(historyServer(t, b), "")
	ctx := context.Background()
	for _, v := range []any{"a \"string\"", []byte{0, 1, 255}, map[string]int{"n": 1}} {
		if err := channels.Publish(ctx, b, tp, v); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{
		`"data":"a \"string\""`,
		`"encoding":"base64","data":"AAH/"`,
		`"data":{"n":1}`,
	}
	for i, w := range want {
		_, got := cl.c.Read()
		if !strings.Contains(string(got), w) || !strings.Contains(string(got), fmt.Sprintf(`"offset":%d`, i+1)) {
			t.Fatalf("frame %d: %s, want %s", i, got, w)
		}
	}
}

// historyReconnect: a client away while 500 messages are published, half
// of them while it reconnects, ends with all of them once and in order.
func historyReconnect(t *testing.T, newBroker HistoryFactory, cluster bool) {
	const n = 500
	p, tp := policy(t, 1000)
	sub := newBroker(t, p)
	pub := sub
	if cluster {
		pub = newBroker(t, p)
	}
	ts := historyServer(t, sub)
	cl := &client{t: t, topic: tp}
	cl.dial(ts, "")
	publishItems(t, pub, tp, 0, 10)
	cl.until(10)
	cl.c.Close()
	publishItems(t, pub, tp, 10, n/2)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		publishItems(t, pub, tp, n/2, n)
	}()
	j := cl.dial(ts, "")
	if !j.Recovered {
		t.Fatalf("joined %+v after a short absence", j)
	}
	cl.until(n)
	wg.Wait()
	cl.checkItems(n)
}

// historyKilled: a client stays while its instance's broker connection is
// broken in the middle of 500 messages, and ends with all of them once and
// in order.
func historyKilled(t *testing.T, newBroker HistoryFactory, cluster bool, kill func(*testing.T, channels.HistoryBroker)) {
	const n = 500
	p, tp := policy(t, 1000)
	sub := newBroker(t, p)
	pub := sub
	if cluster {
		pub = newBroker(t, p)
	}
	cl := &client{t: t, topic: tp}
	cl.dial(historyServer(t, sub), "")
	publishItems(t, pub, tp, 0, 100)
	cl.until(100)
	kill(t, sub)
	publishItems(t, pub, tp, 100, n) // while sub reconnects, and after
	cl.until(n)
	cl.checkItems(n)
}

// historyChurn: clients disconnect and reconnect at random points while
// 1000 messages are published; each ends with all of them once and in
// order. With restart, the backend is restarted once half of them are
// published, and the publisher retries what fails.
func historyChurn(t *testing.T, newBroker HistoryFactory, cluster bool, restart func(*testing.T)) {
	const n, clients = 1000, 4
	p, tp := policy(t, n)
	sub := newBroker(t, p)
	pub := sub
	if cluster {
		pub = newBroker(t, p)
	}
	ts := historyServer(t, sub)
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	cls := make([]*client, clients)
	for i := range cls {
		cls[i] = &client{t: t, topic: tp}
		cls[i].dial(ts, "")
	}
	retried := map[int]bool{} // written by the publisher, read after wg.Wait
	var wg sync.WaitGroup
	wg.Go(func() {
		if restart == nil {
			publishItems(t, pub, tp, 0, n)
			return
		}
		publishItems(t, pub, tp, 0, n/2)
		restart(t)
		deadline := time.Now().Add(20 * time.Second)
		for i := n / 2; i < n; i++ {
			for channels.Publish(context.Background(), pub, tp, item{i}) != nil {
				retried[i] = true
				if time.Now().After(deadline) {
					t.Errorf("publish %d: still failing 20 s after the restart", i)
					return
				}
				time.Sleep(10 * time.Millisecond) // the broker is reconnecting: retry
			}
		}
	})
	for i, cl := range cls {
		rng := rand.New(rand.NewPCG(uint64(seed), uint64(i)))
		for !cl.has(n) {
			for k := rng.IntN(200); k > 0 && !cl.has(n); k-- {
				if f := cl.read(); f.Type != "pub" {
					t.Fatalf("client %d: %s frame while connected", i, f.Type)
				}
			}
			if cl.has(n) {
				break
			}
			cl.c.Close()
			var j frame
			if restart != nil {
				j = cl.redial(ts)
			} else {
				j = cl.dial(ts, "")
			}
			if !j.Recovered {
				t.Fatalf("client %d: joined %+v", i, j)
			}
		}
	}
	wg.Wait()
	if restart != nil {
		t.Logf("across the restart: %d publishes retried", len(retried))
	}
	for _, cl := range cls {
		cl.checkRetried(n, retried)
	}
}

func historyGap(t *testing.T, newBroker HistoryFactory) {
	p, tp := policy(t, 10)
	b := newBroker(t, p)
	ts := historyServer(t, b)
	cl := &client{t: t, topic: tp}
	cl.dial(ts, "")
	publishItems(t, b, tp, 0, 2)
	cl.until(2)
	cl.c.Close()
	publishItems(t, b, tp, 2, 30)
	j := cl.dial(ts, "") // fails the test on a pub before joined: nothing partial
	if j.Recovered || j.Offset != 30 {
		t.Fatalf("joined %+v after a gap of 28 in a history of 10, want recovered:false at 30", j)
	}
	publishItems(t, b, tp, 30, 31)
	cl.until(3)
	if cl.items[2] != 30 {
		t.Fatalf("live after the gap: %v", cl.items)
	}
	// Within the bounds again: recovered.
	cl.c.Close()
	publishItems(t, b, tp, 31, 35)
	if j := cl.dial(ts, ""); !j.Recovered || j.Offset != 35 {
		t.Fatalf("joined %+v, want recovered at 35", j)
	}
	if cl.items[len(cl.items)-1] != 34 || len(cl.items) != 7 {
		t.Fatalf("replay after the gap: %v", cl.items)
	}
}

// historyBytes: a history bounded by bytes keeps the latest messages
// within the bound (brokers count their own overhead, so fewer may be
// kept, never none), and a client behind them is told recovered:false.
func historyBytes(t *testing.T, newBroker HistoryFactory) {
	const n, size, bound = 100, 100, 2000
	tp := topic(t, "hist") + ":bytes"
	b := newBroker(t, channels.HistoryPolicy{Pattern: tp, MaxCount: 1000, MaxBytes: bound})
	ts := historyServer(t, b)
	behind := &client{t: t, topic: tp}
	behind.dial(ts, "")
	pad := strings.Repeat("x", size-len(`{"i":00,"pad":""}`))
	publish := func(i int) {
		if err := channels.Publish(context.Background(), b, tp, struct {
			I   int    `json:"i"`
			Pad string `json:"pad"`
		}{i, pad}); err != nil {
			t.Fatal(err)
		}
	}
	publish(0)
	behind.until(1)
	behind.c.Close()
	for i := 1; i < n; i++ {
		publish(i)
	}
	cl := &client{t: t, topic: tp}
	j := cl.dial(ts, "last=1000")
	if !j.Recovered || j.Offset != n || len(cl.items) == 0 || len(cl.items) > bound/size || cl.items[len(cl.items)-1] != n-1 {
		t.Fatalf("RecoverLast(1000) under MaxBytes %d: joined %+v after %d items %v, want 1 to %d of the latest", bound, j, len(cl.items), cl.items, bound/size)
	}
	if j := behind.dial(ts, ""); j.Recovered {
		t.Fatalf("a client at offset 1, %d messages of %d bytes later, under MaxBytes %d: joined %+v", n-1, size, bound, j)
	}
}

// historyAge: messages older than MaxAge are gone from the history, even
// when nothing was published since to trim them: a newcomer gets none of
// them, and a client that missed them is told recovered:false.
func historyAge(t *testing.T, newBroker HistoryFactory) {
	const age = 300 * time.Millisecond
	tp := topic(t, "hist") + ":age"
	b := newBroker(t, channels.HistoryPolicy{Pattern: tp, MaxCount: 100, MaxAge: age})
	ts := historyServer(t, b)
	behind := &client{t: t, topic: tp}
	behind.dial(ts, "")
	publishItems(t, b, tp, 0, 1)
	behind.until(1)
	behind.c.Close()
	publishItems(t, b, tp, 1, 3)
	cl := &client{t: t, topic: tp}
	if j := cl.dial(ts, "last=10"); !j.Recovered || len(cl.items) != 3 {
		t.Fatalf("RecoverLast(10) within MaxAge: joined %+v after %v", j, cl.items)
	}
	cl.c.Close()
	time.Sleep(3 * age) // the bound is time itself: nothing else to wait on
	cl = &client{t: t, topic: tp}
	if j := cl.dial(ts, "last=10"); !j.Recovered || j.Offset != 3 || len(cl.items) != 0 {
		t.Fatalf("RecoverLast(10) after MaxAge %v: joined %+v after %v, want nothing replayed", age, j, cl.items)
	}
	if j := behind.dial(ts, ""); j.Recovered || j.Offset != 3 {
		t.Fatalf("a client that missed messages now older than MaxAge %v: joined %+v, want recovered:false at 3", age, j)
	}
	publishItems(t, b, tp, 3, 4)
	cl.until(1)
	behind.until(2)
	if cl.items[0] != 3 || behind.items[1] != 3 {
		t.Fatalf("live after the expiry: %v, %v", cl.items, behind.items)
	}
}

func historyLast(t *testing.T, newBroker HistoryFactory) {
	p, tp := policy(t, 10)
	b := newBroker(t, p)
	publishItems(t, b, tp, 0, 20)
	cl := &client{t: t, topic: tp}
	j := cl.dial(historyServer(t, b), "last=5")
	if !j.Recovered || j.Offset != 20 || fmt.Sprint(cl.items) != "[15 16 17 18 19]" {
		t.Fatalf("RecoverLast(5): joined %+v after %v", j, cl.items)
	}
	cl = &client{t: t, topic: tp}
	j = cl.dial(historyServer(t, b), "last=50")
	if len(cl.items) != 10 || cl.items[0] != 10 || !j.Recovered {
		t.Fatalf("RecoverLast(50) on a history of 10: joined %+v after %v", j, cl.items)
	}
}

func historyBadSince(t *testing.T, newBroker HistoryFactory) {
	p, tp := policy(t, 10)
	b := newBroker(t, p)
	ts := historyServer(t, b)
	publishItems(t, b, tp, 0, 3)
	many := map[string]channels.Position{}
	for i := range channels.MaxSinceTopics + 1 {
		many[fmt.Sprint(tp, i)] = channels.Position{Epoch: "e", Offset: 1}
	}
	manyJSON, _ := json.Marshal(many)
	bad := []string{
		"{", "[]", `{"` + tp + `":{"epoch":5}}`, `{"` + tp + `":{"epoch":"x","offset":-1}}`,
		strings.Repeat(" ", channels.MaxSinceBytes+1) + "{}", string(manyJSON),
	}
	for _, s := range bad {
		cl := &client{t: t, topic: tp}
		j := cl.dial(ts, channels.SinceParam+"="+url.QueryEscape(s))
		if !j.Recovered || j.Offset != 3 || len(cl.items) != 0 {
			t.Fatalf("nexo_since %.40q: joined %+v after %v, want a newcomer's join", s, j, cl.items)
		}
	}
	// A position from the future, in this epoch, cannot be honoured.
	cl := &client{t: t, topic: tp}
	j := cl.dial(ts, "")
	cl.c.Close()
	cl.pos = channels.Position{Epoch: j.Epoch, Offset: 99}
	if j := cl.dial(ts, ""); j.Recovered {
		t.Fatalf("offset 99 of 3: joined %+v", j)
	}
	// The others were not harmed.
	publishItems(t, b, tp, 3, 4)
	cl.until(1)
}

func historyEpoch(t *testing.T, newBroker HistoryFactory, lose func(*testing.T, channels.HistoryBroker, channels.HistoryPolicy) channels.HistoryBroker) {
	p, tp := policy(t, 100)
	b := newBroker(t, p)
	ts := historyServer(t, b)
	cl := &client{t: t, topic: tp}
	cl.dial(ts, "")
	stay := &client{t: t, topic: tp} // connected through the loss
	stay.dial(ts, "")
	publishItems(t, b, tp, 0, 5)
	cl.until(5)
	stay.until(5)
	cl.c.Close()
	old := cl.pos
	b2 := lose(t, b, p)
	publishItems(t, b2, tp, 0, 2)
	j := cl.dial(historyServer(t, b2), "")
	if j.Recovered || j.Epoch == old.Epoch || j.Offset != 2 {
		t.Fatalf("joined %+v after the history of %v was lost", j, old)
	}
	if b2 != b {
		return // a new broker: the connected client's broker is gone
	}
	// The client that stayed is told before the first message of the
	// new epoch, never silently moved on.
	if f := stay.read(); f.Type != "joined" || f.Recovered || f.Epoch == old.Epoch {
		t.Fatalf("connected through the loss of %v: got %+v, want joined recovered:false in a new epoch", old, f)
	}
	stay.until(7)
	if stay.pos != (channels.Position{Epoch: j.Epoch, Offset: 2}) {
		t.Fatalf("connected through the loss: at %v, want %s:2", stay.pos, j.Epoch)
	}
}

// historyAtOnce publishes on new topics from two instances at once: each
// topic's history holds every message once, at offsets 1..n of one epoch,
// whichever instance made the topic's history first.
func historyAtOnce(t *testing.T, newBroker HistoryFactory) {
	p, tp := policy(t, 100)
	brokers := []channels.HistoryBroker{newBroker(t, p), newBroker(t, p)}
	ctx := context.Background()
	for i := range 10 {
		topic := fmt.Sprintf("%s%d", tp, i)
		errs := make(chan error, len(brokers))
		for j, b := range brokers {
			go func() {
				for k := range 5 {
					if err := channels.Publish(ctx, b, topic, item{j*100 + k}); err != nil {
						errs <- err
						return
					}
				}
				errs <- nil
			}()
		}
		for range brokers {
			if err := <-errs; err != nil {
				t.Fatalf("%s: %v", topic, err)
			}
		}
		rec, err := brokers[i%2].Recover(ctx, topic, channels.RecoverQuery{Last: 100})
		if err != nil {
			t.Fatalf("%s: recover: %v", topic, err)
		}
		if len(rec.Messages) != 10 {
			t.Fatalf("%s: %d messages in the history, want 10", topic, len(rec.Messages))
		}
		seen := map[string]bool{}
		for n, m := range rec.Messages {
			if m.Pos.Offset != uint64(n+1) || m.Pos.Epoch != rec.Position.Epoch {
				t.Fatalf("%s: message %d at %v, want offset %d of epoch %s", topic, n, m.Pos, n+1, rec.Position.Epoch)
			}
			if seen[string(m.Data)] {
				t.Fatalf("%s: %s twice", topic, m.Data)
			}
			seen[string(m.Data)] = true
		}
	}
}
