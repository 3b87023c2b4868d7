package channels_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

// A client visiting many rooms, one after the other, leaves no group
// behind: a group emptied by leaves goes away.
func TestRegistryFreesEmptyGroups(t *testing.T) {
	const rooms = 100
	r := channels.NewRegistry()
	got := make(chan *channels.Channel, 1)
	e := serve(t, func(c *ws.Conn) error {
		ch := channels.NewChannel(c, channels.JSON)
		r.Group("room:" + c.Query().Get("room")).Add(ch)
		got <- ch
		return readLoop(c)
	})
	for i := range rooms {
		c := e.dialPath(fmt.Sprintf("/ws?room=%d", i))
		ch := recv(t, got)
		c.CloseNormal()
		waitDone(t, ch.Conn())
	}
	if n := len(r.Groups()); n != 0 {
		t.Fatalf("%d rooms visited and left, %d groups kept", rooms, n)
	}

	// Leaving by Remove frees the group too.
	e.dialPath("/ws?room=x")
	ch := recv(t, got)
	if !r.Group("room:x").Remove(ch) {
		t.Fatal("Remove: not a member")
	}
	if n := len(r.Groups()); n != 0 {
		t.Fatalf("after Remove, %d groups kept", n)
	}
}

// expectGroup checks that a send through g reaches exactly the clients
// want, and that every handle of the group agrees on its members.
func expectGroup(t *testing.T, r *channels.Registry, g *channels.Group, msg string, want ...*member) {
	t.Helper()
	for _, h := range []*channels.Group{g, r.Group(g.Name())} {
		if h.Len() != len(want) {
			t.Fatalf("Len %d, want %d", h.Len(), len(want))
		}
		for _, m := range want {
			if !h.Has(m.ch) {
				t.Fatalf("Has(%s) false", m.ch)
			}
		}
	}
	n, err := g.SendText(msg)
	if n != len(want) || err != nil {
		t.Fatalf("send reached %d of %d: %v", n, len(want), err)
	}
	for _, m := range want {
		m.c.ExpectText(msg)
	}
	if gs := r.Groups(); len(gs) != 1 {
		t.Fatalf("%d groups listed, want 1", len(gs))
	}
}

// A *Group handed out before it emptied and went away keeps working:
// adding through it, sending through it and through the registry reach
// the same members, whichever handle was used (no split brain).
func TestRegistryStaleGroupHandle(t *testing.T) {
	r := channels.NewRegistry()
	e, got := channelServer(t, channels.Text)
	join := func() *member {
		c := e.dial()
		return &member{c: c, ch: recv(t, got)}
	}

	stale := r.Group("room")
	first := join()
	stale.Add(first.ch)
	stale.Remove(first.ch) // empties it: it goes away
	if n := len(r.Groups()); n != 0 {
		t.Fatalf("emptied group kept (%d groups)", n)
	}

	// The stale handle is used again, before anyone asks for the name.
	a := join()
	if !stale.Add(a.ch) {
		t.Fatal("Add through the stale handle refused")
	}
	expectGroup(t, r, stale, "one", a)

	// It empties again; this time the registry makes the group anew
	// first, then the stale handle adds.
	stale.Remove(a.ch)
	b := join()
	r.Group("room").Add(b.ch)
	c := join()
	if !stale.Add(c.ch) {
		t.Fatal("Add through the stale handle refused")
	}
	expectGroup(t, r, stale, "two", b, c)
	if !stale.Remove(b.ch) || stale.Has(b.ch) {
		t.Fatal("Remove through the stale handle missed the member")
	}
	expectGroup(t, r, r.Group("room"), "three", c)
}

// member is a client and its server-side channel.
type member struct {
	c interface {
		ExpectText(string)
	}
	ch *channels.Channel
}

// Members joining and leaving at once, through a stale handle and through
// the registry, never end in two groups of one name.
func TestRegistryGroupChurn(t *testing.T) {
	const members, rounds = 8, 200
	r := channels.NewRegistry()
	e, got := channelServer(t, channels.Text)
	stale := r.Group("room")
	var ms []*member
	for range members {
		c := e.dial()
		ms = append(ms, &member{c: c, ch: recv(t, got)})
	}
	var wg sync.WaitGroup
	for i, m := range ms {
		wg.Go(func() {
			for j := range rounds {
				h := stale
				if (i+j)%2 == 0 {
					h = r.Group("room")
				}
				h.Add(m.ch)
				if j < rounds-1 {
					h.Remove(m.ch)
				}
			}
		})
	}
	wg.Wait()
	expectGroup(t, r, stale, "all", ms...)
}
