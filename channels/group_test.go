package channels_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// groupServer serves connections that join g as channels of type typ once
// accepted, and hands each channel to the test.
func groupServer(t *testing.T, g *channels.Group, typ channels.PayloadType, opts ...ws.Option) (*env, <-chan *channels.Channel) {
	t.Helper()
	joined := make(chan *channels.Channel, 64)
	e := serve(t, func(c *ws.Conn) error {
		if q := c.Query().Get("queue"); q != "" {
			var n int
			fmt.Sscan(q, &n)
			c.Configure(ws.WithSendQueue(n, ws.SlowConsumerClose))
		}
		ch := channels.NewChannel(c, typ)
		g.Add(ch)
		joined <- ch
		return readLoop(c)
	}, opts...)
	return e, joined
}

// dialMembers dials n clients, each joining once the server has added its
// channel to the group.
func dialMembers(t *testing.T, e *env, joined <-chan *channels.Channel, n int) []*nexotest.Conn {
	t.Helper()
	clients := make([]*nexotest.Conn, n)
	for i := range clients {
		clients[i] = e.dial()
		recv(t, joined)
	}
	return clients
}

func TestGroupFanoutThousand(t *testing.T) {
	const members, sends = 1000, 20
	g := channels.NewGroup("all")
	e, joined := groupServer(t, g, channels.JSON)
	clients := dialMembers(t, e, joined, members)
	if g.Len() != members {
		t.Fatalf("Len = %d", g.Len())
	}
	type msg struct {
		Seq int `json:"seq"`
	}
	for i := range sends + 1 {
		n, err := g.Send(msg{Seq: i})
		if err != nil || n != members {
			t.Fatalf("send %d: reached %d, %v", i, n, err)
		}
	}
	// Every member gets every message once, in order, and nothing more:
	// the server then closes every member, and the close frame is the
	// next thing each client reads.
	for ci, c := range clients {
		for i := range sends + 1 {
			var m msg
			c.ReadJSON(&m)
			if m.Seq != i {
				t.Fatalf("client %d: message %d has seq %d", ci, i, m.Seq)
			}
		}
	}
	for _, ch := range g.Members() {
		ch.Close(ws.CloseNormal, "done")
	}
	for ci, c := range clients {
		_, data, err := c.TryRead()
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != ws.CloseNormal {
			t.Fatalf("client %d: after the last send read %q, %v; want the close frame", ci, data, err)
		}
	}
}

// countedPayload counts its JSON encodings.
type countedPayload struct {
	n   *atomic.Int64
	Seq int `json:"seq"`
}

func (p countedPayload) MarshalJSON() ([]byte, error) {
	p.n.Add(1)
	return fmt.Appendf(nil, `{"seq":%d}`, p.Seq), nil
}

func TestGroupEncodesOnce(t *testing.T) {
	const members, sends = 50, 5
	g := channels.NewGroup("once")
	e, joined := groupServer(t, g, channels.JSON)
	clients := dialMembers(t, e, joined, members)
	var marshals atomic.Int64
	for i := range sends {
		var n int
		var err error
		if i%2 == 0 {
			n, err = g.Send(countedPayload{&marshals, i})
		} else {
			n, err = g.Emit("tick", countedPayload{&marshals, i})
		}
		if n != members || err != nil {
			t.Fatalf("send %d: reached %d, %v", i, n, err)
		}
		if got := marshals.Load(); got != int64(i+1) {
			t.Fatalf("after %d sends to %d members: %d marshals", i+1, members, got)
		}
	}
	for ci, c := range clients {
		for i := range sends {
			want := fmt.Sprintf(`{"seq":%d}`, i)
			if i%2 == 1 {
				want = fmt.Sprintf(`{"event":"tick","data":{"seq":%d}}`, i)
			}
			if got := c.ReadText(); got != want {
				t.Fatalf("client %d: got %s, want %s", ci, got, want)
			}
		}
	}
}

func TestGroupConcurrentSendsOneOrder(t *testing.T) {
	const members, senders, sends = 8, 4, 100
	g := channels.NewGroup("order")
	e, joined := groupServer(t, g, channels.JSON)
	clients := dialMembers(t, e, joined, members)
	type msg struct{ S, I int }
	var wg sync.WaitGroup
	for s := range senders {
		wg.Go(func() {
			for i := range sends {
				if n, err := g.Send(msg{s, i}); n != members || err != nil {
					t.Errorf("sender %d, send %d: reached %d, %v", s, i, n, err)
					return
				}
			}
		})
	}
	wg.Wait()
	// Every member sees the same interleaving, and each sender's messages
	// in the order it sent them.
	var first []msg
	for ci, c := range clients {
		next := make([]int, senders)
		got := make([]msg, 0, senders*sends)
		for range senders * sends {
			var m msg
			c.ReadJSON(&m)
			if m.I != next[m.S] {
				t.Fatalf("client %d: sender %d's message %d came before %d", ci, m.S, m.I, next[m.S])
			}
			next[m.S]++
			got = append(got, m)
		}
		if first == nil {
			first = got
			continue
		}
		for k := range got {
			if got[k] != first[k] {
				t.Fatalf("client %d: message %d is %v, client 0 had %v", ci, k, got[k], first[k])
			}
		}
	}
}

func TestGroupStalledMember(t *testing.T) {
	const readers, sends = 10, 200
	g := channels.NewGroup("room")
	e, joined := groupServer(t, g, channels.Bytes, ws.WithCloseTimeout(time.Second))
	// The stalled client: a tiny receive buffer, a send queue of 8 on the
	// server (set per connection), and it never reads.
	stalledClient := e.dialPath("/ws?queue=8", nexotest.WithReceiveBuffer(1024))
	stalled := recv(t, joined)
	clients := dialMembers(t, e, joined, readers)

	payload := []byte(strings.Repeat("x", 4<<10))
	var errs []error
	failedAt := -1
	start := time.Now()
	for i := range sends {
		payload[0] = byte(i)
		_, err := g.SendBytes(payload)
		if err != nil {
			errs = append(errs, err)
			failedAt = i
		}
	}
	elapsed := time.Since(start)
	t.Logf("%d sends of 4 KiB to %d members took %v", sends, readers+1, elapsed)
	if elapsed > 2*time.Second {
		t.Errorf("sends took %v: the stalled member held them up", elapsed)
	}

	// The stalled member was closed with 1013 and dropped from the group,
	// with its error reported once.
	if g.Has(stalled) {
		t.Fatal("stalled member still in the group")
	}
	if ce := stalled.Conn().CloseErr(); ce == nil || ce.Code != ws.CloseTryAgainLater {
		t.Fatalf("stalled member closed with %v", ce)
	}
	if len(errs) != 1 || !errors.Is(errs[0], ws.ErrSendQueueFull) {
		t.Fatalf("errors %v", errs)
	}
	var me *channels.MemberError
	if !errors.As(errs[0], &me) || me.Channel != stalled {
		t.Fatalf("error %v does not name the stalled member", errs[0])
	}
	if got := e.srv.Stats().SlowConsumers; got != 1 {
		t.Fatalf("SlowConsumers = %d", got)
	}
	if g.Len() != readers {
		t.Fatalf("Len = %d", g.Len())
	}
	// Everyone else got everything, in order.
	for ci, c := range clients {
		for i := range sends {
			b := c.ReadBytes()
			if len(b) != len(payload) || b[0] != byte(i) {
				t.Fatalf("client %d: message %d starts with %d", ci, i, b[0])
			}
		}
	}
	// The stalled client, reading at last, finds an in-order prefix of
	// what was sent before it was dropped, whole frames only, then the
	// end: nothing sent after the drop reaches it.
	seen := 0
	for {
		_, b, err := stalledClient.TryRead()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) && ce.Code != ws.CloseTryAgainLater {
				t.Fatalf("stalled client closed with %d", ce.Code)
			}
			break
		}
		if len(b) != len(payload) || int(b[0]) != seen {
			t.Fatalf("stalled client: message %d starts with %d (%d bytes)", seen, b[0], len(b))
		}
		seen++
	}
	if seen >= failedAt {
		t.Fatalf("stalled client read %d messages; it was dropped at send %d", seen, failedAt)
	}
	t.Logf("stalled client read %d messages before the close; dropped at send %d", seen, failedAt)
	waitDone(t, stalled.Conn())
}

func TestGroupDropsEndedAndExpired(t *testing.T) {
	g := channels.NewGroup("g")
	e, joined := groupServer(t, g, channels.Text)
	a := e.dial()
	chA := recv(t, joined)
	b := e.dial()
	chB := recv(t, joined)

	// A member whose connection ends leaves at once (its close hook).
	a.CloseNormal()
	waitDone(t, chA.Conn())
	if g.Has(chA) || g.Len() != 1 {
		t.Fatalf("ended member still in: Has %v, Len %d", g.Has(chA), g.Len())
	}
	if g.Add(chA) {
		t.Fatal("Add accepted an ended channel")
	}

	// An expired member leaves by its expiry timer, or the next send
	// drops it, whichever comes first.
	e2, got := channelServer(t, channels.Text, channels.WithTTL(50*time.Millisecond))
	e2.dial()
	chC := recv(t, got)
	if !g.Add(chC) {
		t.Fatal("Add refused a live channel")
	}
	<-time.After(time.Until(chC.Expires())) // the TTL itself, not synchronisation
	for !chC.Expired() {
		runtime.Gosched()
	}
	n, err := g.Send("hi")
	if n != 1 || err != nil {
		t.Fatalf("reached %d, %v", n, err)
	}
	b.ExpectText("hi")
	if g.Has(chC) {
		t.Fatal("expired member still in")
	}
	if got := g.Members(); len(got) != 1 || got[0] != chB {
		t.Fatalf("Members %v", got)
	}
}

func TestGroupPayloadTypes(t *testing.T) {
	g := channels.NewGroup("mixed")
	clients := map[channels.PayloadType]*nexotest.Conn{}
	for _, typ := range []channels.PayloadType{channels.JSON, channels.Text, channels.Bytes} {
		e, joined := groupServer(t, g, typ)
		clients[typ] = e.dial()
		recv(t, joined)
	}
	tests := []struct {
		name    string
		send    func() (int, error)
		reached int
		want    map[channels.PayloadType]string // what each member reads
	}{
		{"Send string", func() (int, error) { return g.Send("hi") }, 2,
			map[channels.PayloadType]string{channels.JSON: `"hi"`, channels.Text: "hi"}},
		{"Send bytes", func() (int, error) { return g.Send([]byte("b")) }, 2,
			map[channels.PayloadType]string{channels.JSON: `"Yg=="`, channels.Bytes: "b"}},
		{"Send struct", func() (int, error) { return g.Send(struct{ A int }{1}) }, 1,
			map[channels.PayloadType]string{channels.JSON: `{"A":1}`}},
		{"SendJSON", func() (int, error) { return g.SendJSON("j") }, 1,
			map[channels.PayloadType]string{channels.JSON: `"j"`}},
		{"SendText", func() (int, error) { return g.SendText("t") }, 1,
			map[channels.PayloadType]string{channels.Text: "t"}},
		{"SendBytes", func() (int, error) { return g.SendBytes([]byte("y")) }, 1,
			map[channels.PayloadType]string{channels.Bytes: "y"}},
		{"Emit", func() (int, error) { return g.Emit("tick", 1) }, 1,
			map[channels.PayloadType]string{channels.JSON: `{"event":"tick","data":1}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := tt.send()
			if n != tt.reached {
				t.Fatalf("reached %d, want %d (%v)", n, tt.reached, err)
			}
			if want := tt.reached < 3; want != errors.Is(err, channels.ErrPayloadType) {
				t.Fatalf("err = %v", err)
			}
			for typ, c := range clients {
				want, ok := tt.want[typ]
				if !ok {
					continue
				}
				if _, data := c.Read(); string(data) != want {
					t.Fatalf("%v member read %q, want %q", typ, data, want)
				}
			}
		})
	}
	// Skipped members received nothing: each reads a final marker next.
	n, err := g.Send(nil) // JSON only: null
	if n != 1 || err == nil {
		t.Fatalf("Send(nil) reached %d, %v", n, err)
	}
	clients[channels.JSON].ExpectText("null")
	g.SendText("end")
	clients[channels.Text].ExpectText("end")
	g.SendBytes([]byte("end"))
	if b := clients[channels.Bytes].ReadBytes(); string(b) != "end" {
		t.Fatalf("bytes member read %q", b)
	}
}

func TestGroupEncodeError(t *testing.T) {
	g := channels.NewGroup("g")
	e, joined := groupServer(t, g, channels.JSON)
	for range 3 {
		e.dial()
		recv(t, joined)
	}
	n, err := g.Send(func() {})
	var ee *ws.EncodeError
	if n != 0 || !errors.As(err, &ee) {
		t.Fatalf("reached %d, %v", n, err)
	}
	if strings.Count(err.Error(), "\n") != 0 {
		t.Fatalf("encode error reported more than once: %v", err)
	}
}

func TestGroupConcurrentUse(t *testing.T) {
	g := channels.NewGroup("busy")
	other := channels.NewGroup("idle")
	e, joined := groupServer(t, other, channels.JSON)
	var chans []*channels.Channel
	var clients []*nexotest.Conn
	for range 8 {
		clients = append(clients, e.dial())
		chans = append(chans, recv(t, joined))
	}
	var wg sync.WaitGroup
	for i, ch := range chans {
		wg.Go(func() {
			for j := range 50 {
				if (i+j)%2 == 0 {
					g.Add(ch)
				} else {
					g.Remove(ch)
				}
				g.Has(ch)
				g.Members()
			}
		})
	}
	sent := 0
	wg.Go(func() {
		for range 50 {
			n, _ := g.Send(json.RawMessage(`1`))
			sent += n
			g.Len()
		}
	})
	wg.Wait()
	for _, ch := range chans {
		g.Remove(ch)
		if len(ch.Groups()) != 1 || ch.Groups()[0] != other {
			t.Fatalf("Groups() = %v", ch.Groups())
		}
	}
	if g.Len() != 0 || len(g.Members()) != 0 {
		t.Fatalf("Len %d after removing everyone", g.Len())
	}
	t.Logf("%d deliveries during churn", sent)
}

// A member is accepted when the handler adds it, even before the handler
// sends or receives: a group send reaches it and runs no handshake.
func TestGroupMembersAreAccepted(t *testing.T) {
	g := channels.NewGroup("g")
	release := make(chan struct{})
	added := make(chan *channels.Channel, 1)
	e := serve(t, func(c *ws.Conn) error {
		ch := channels.NewChannel(c, channels.Text)
		g.Add(ch)
		added <- ch
		<-release
		return readLoop(c)
	})
	c := e.dial()
	ch := recv(t, added)
	n, err := g.Send("early")
	close(release)
	if n != 1 || err != nil {
		t.Fatalf("reached %d, %v", n, err)
	}
	c.ExpectText("early")
	c.CloseNormal()
	waitDone(t, ch.Conn())
}
