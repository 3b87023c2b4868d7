package channels_test

import (
	"errors"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// roomServer serves /ws: each connection becomes a channel of type typ
// (JSON with ?json=1) that joins the registry's group "room" (or
// ?group=) with AddWithHistory.
func roomServer(t *testing.T, r *channels.Registry, typ channels.PayloadType) (*env, <-chan *channels.Channel) {
	t.Helper()
	got := make(chan *channels.Channel, 16)
	e := serve(t, func(c *ws.Conn) error {
		typ := typ
		if c.Query().Get("json") != "" {
			typ = channels.JSON
		}
		ch := channels.NewChannel(c, typ)
		group := "room"
		if g := c.Query().Get("group"); g != "" {
			group = g
		}
		r.Group(group).AddWithHistory(ch)
		got <- ch
		return readLoop(c)
	})
	return e, got
}

func mustSend(t *testing.T, want int) func(int, error) {
	t.Helper()
	return func(n int, err error) {
		t.Helper()
		if n != want || err != nil {
			t.Fatalf("send reached %d of %d: %v", n, want, err)
		}
	}
}

// A send with SaveHistory is replayed to a late joiner, in order, before
// live sends; one without is not; after FlushHistory a newcomer gets
// nothing of the past.
func TestGroupSaveHistoryLateJoiner(t *testing.T) {
	r := channels.NewRegistry()
	e, got := roomServer(t, r, channels.Text)
	room := r.Group("room")

	first := e.dial()
	recv(t, got)
	mustSend(t, 1)(room.SendText("one", channels.SaveHistory()))
	mustSend(t, 1)(room.SendText("two"))
	mustSend(t, 1)(room.Send("three", channels.SaveHistory()))
	for _, m := range []string{"one", "two", "three"} {
		first.ExpectText(m)
	}

	late := e.dial()
	recv(t, got)
	late.ExpectText("one")
	late.ExpectText("three")
	mustSend(t, 2)(room.SendText("four"))
	late.ExpectText("four")
	first.ExpectText("four")

	h := r.History("room")
	if len(h) != 2 || string(h[0].Data) != "one" || string(h[1].Data) != "three" || h[0].Type != ws.TextMessage {
		t.Fatalf("History = %+v, want one, three", h)
	}
	if gs := r.ListGroups(); !slices.Equal(gs, []channels.GroupInfo{{Name: "room", Members: 2, History: 2}}) {
		t.Fatalf("ListGroups = %+v", gs)
	}

	if n := r.FlushHistory("room"); n != 2 {
		t.Fatalf("FlushHistory dropped %d, want 2", n)
	}
	newcomer := e.dial()
	recv(t, got)
	mustSend(t, 3)(room.SendText("five"))
	newcomer.ExpectText("five") // nothing flushed came first
	if h := r.History("room"); len(h) != 0 {
		t.Fatalf("History after flush = %+v", h)
	}
}

// A registry policy keeps every send to the groups it matches, bounded by
// its MaxCount, except those sent with NoHistory; a late JSON member gets
// the kept ones as JSON.
func TestGroupHistoryPolicyAndNoHistory(t *testing.T) {
	r := channels.NewRegistry(channels.WithGroupHistory(channels.HistoryPolicy{Pattern: "room*", MaxCount: 2}))
	e, got := roomServer(t, r, channels.JSON)
	room := r.Group("room")
	room.Send("a")
	room.Send("typing", channels.NoHistory())
	room.Send(map[string]int{"b": 1})
	room.Send("c")
	r.Group("other").Send("not kept") // no policy matches

	late := e.dial()
	recv(t, got)
	late.ExpectText(`{"b":1}`)
	late.ExpectText(`"c"`)
	mustSend(t, 1)(room.Send("live"))
	late.ExpectText(`"live"`)
	if h := r.History("other"); h != nil {
		t.Fatalf("group without policy kept %+v", h)
	}
	if h := r.History("room"); len(h) != 2 || string(h[1].Data) != "live" {
		t.Fatalf("History = %q, want the last 2", h)
	}
}

// Members joining with AddWithHistory while another goroutine sends with
// SaveHistory each get every message exactly once, in order: nothing is
// lost or doubled between the replay and the live sends, also when the
// joiner brings a payload type the group had no member of.
func TestGroupHistorySeam(t *testing.T) {
	const sends, joiners = 600, 6
	r := channels.NewRegistry()
	e, got := roomServer(t, r, channels.Text)
	room := r.Group("room")
	var sent atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range sends {
			room.Send(strconv.Itoa(i), channels.SaveHistory())
			sent.Add(1)
		}
	})
	var clients []*nexotest.Conn
	for k := range joiners {
		for sent.Load() < int64(k*sends/joiners) {
			// Join at spread points of the sending; AddWithHistory runs
			// on the server while the sender goes on.
			if k == 0 {
				break
			}
			runtime.Gosched()
		}
		path := "/ws"
		if k%2 == 1 {
			path += "?json=1"
		}
		clients = append(clients, e.dialPath(path))
		recv(t, got)
	}
	wg.Wait()
	for k, c := range clients {
		for i := range sends {
			want := strconv.Itoa(i)
			if k%2 == 1 {
				want = strconv.Quote(want) // a JSON member
			}
			if m := c.ReadText(); m != want {
				t.Fatalf("joiner %d: message %d is %q", k, i, m)
			}
		}
	}
}

// CloseGroup closes every member of one group with the code and reason,
// and no one else; the members leave the group.
func TestRegistryCloseGroup(t *testing.T) {
	r := channels.NewRegistry()
	e, got := roomServer(t, r, channels.Text)
	var members []*channels.Channel
	var clients []*nexotest.Conn
	for range 3 {
		clients = append(clients, e.dial())
		members = append(members, recv(t, got))
	}
	bystander := e.dialPath("/ws?group=other")
	recv(t, got)

	if n := r.CloseGroup("room", 0, ""); n != 3 {
		t.Fatalf("CloseGroup closed %d, want 3", n)
	}
	for _, c := range clients {
		ce := c.ExpectClose(ws.CloseNormal)
		if ce.Reason != channels.GroupClosedReason {
			t.Fatalf("close reason %q", ce.Reason)
		}
	}
	for _, ch := range members {
		waitDone(t, ch.Conn())
	}
	mustSend(t, 1)(r.Group("other").SendText("still here"))
	bystander.ExpectText("still here")
	if gs := r.ListGroups(); !slices.Equal(gs, []channels.GroupInfo{{Name: "other", Members: 1}}) {
		t.Fatalf("ListGroups after CloseGroup = %+v", gs)
	}
	if n := r.CloseGroup("nobody", ws.CloseGoingAway, "bye"); n != 0 {
		t.Fatalf("CloseGroup of a missing group closed %d", n)
	}
}

// On a topic, the history options assert the broker's policy: SaveHistory
// on a topic without history and NoHistory on one with history are
// errors, and publish nothing.
func TestPublishHistoryOptions(t *testing.T) {
	b := channels.NewMemoryBroker(channels.KeepHistory(channels.HistoryPolicy{Pattern: "kept:*"}))
	subs := make(chan *channels.Subscription, 2)
	e := serve(t, func(c *ws.Conn) error {
		sub, err := channels.Join(c, c.Query().Get("topic"), channels.WithBroker(b))
		if err != nil {
			return err
		}
		subs <- sub
		return readLoop(c)
	})
	e.dialPath("/ws?topic=kept:1")
	kept := recv(t, subs)
	plain := e.dialPath("/ws?topic=plain")
	transient := recv(t, subs)

	if err := transient.Publish("x", channels.SaveHistory()); !errors.Is(err, channels.ErrNoHistory) {
		t.Fatalf("SaveHistory on a topic without history: %v", err)
	}
	if err := kept.Publish("x", channels.NoHistory()); !errors.Is(err, channels.ErrHistoryOption) {
		t.Fatalf("NoHistory on a topic with history: %v", err)
	}
	if err := channels.Publish(t.Context(), b, "kept:1", "x", channels.NoHistory()); !errors.Is(err, channels.ErrHistoryOption) {
		t.Fatalf("Publish NoHistory on a topic with history: %v", err)
	}
	if err := kept.Publish("saved", channels.SaveHistory()); err != nil {
		t.Fatal(err)
	}
	if err := transient.Publish("typing", channels.NoHistory()); err != nil {
		t.Fatal(err)
	}
	plain.ExpectText("typing") // the refused "x" never went out
}

// The administration calls run safely beside sends, joins and leaves (run
// with -race): a flush during sends leaves a history no longer than the
// sends that came after it.
func TestGroupAdminConcurrent(t *testing.T) {
	const sends = 300
	r := channels.NewRegistry(channels.WithGroupHistory(channels.HistoryPolicy{Pattern: "room"}))
	e, got := roomServer(t, r, channels.Text)
	room := r.Group("room")
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(done)
		for i := range sends {
			room.SendText(strconv.Itoa(i))
		}
	})
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			r.ListGroups()
			r.History("room")
			r.FlushHistory("room")
			r.Sweep()
		}
	})
	for range 4 {
		c := e.dial()
		ch := recv(t, got)
		c.CloseNormal()
		waitDone(t, ch.Conn())
	}
	wg.Wait()
	if n := len(r.History("room")); n > sends {
		t.Fatalf("history of %d after %d sends", n, sends)
	}
	room.SendText("last")
	if h := r.History("room"); len(h) == 0 || string(h[len(h)-1].Data) != "last" {
		t.Fatalf("history does not end with the last send: %d messages", len(h))
	}
}

// slowJSON's encoding waits for release: a send of it is stopped after it
// read the group's members and before it queues.
type slowJSON struct{ entered, release chan struct{} }

func (s slowJSON) MarshalJSON() ([]byte, error) {
	close(s.entered)
	<-s.release
	return []byte(`"slow"`), nil
}

// A member that joins with AddWithHistory while a kept send is being
// encoded, into a group that had no member, gets that send once: live,
// since the history did not hold it yet. A later joiner gets it from the
// history.
func TestGroupHistoryJoinDuringSend(t *testing.T) {
	r := channels.NewRegistry()
	e, got := roomServer(t, r, channels.JSON)
	room := r.Group("room")
	v := slowJSON{make(chan struct{}), make(chan struct{})}
	sent := make(chan int, 1)
	var wg sync.WaitGroup
	wg.Go(func() {
		n, _ := room.Send(v, channels.SaveHistory())
		sent <- n
	})
	<-v.entered
	joiner := e.dial()
	recv(t, got) // AddWithHistory returned: nothing to replay yet
	close(v.release)
	wg.Wait()
	if n := <-sent; n != 1 {
		t.Fatalf("the send reached %d members, want the joiner", n)
	}
	late := e.dial()
	recv(t, got)
	mustSend(t, 2)(room.Send("next"))
	for _, c := range []*nexotest.Conn{joiner, late} {
		c.ExpectText(`"slow"`)
		c.ExpectText(`"next"`)
	}
}
