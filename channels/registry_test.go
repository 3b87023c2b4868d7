package channels_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

// registryServer serves connections registered in r and in its group
// "room", handing each channel to the test.
func registryServer(t *testing.T, r *channels.Registry, opts ...channels.ChannelOption) (*env, <-chan *channels.Channel) {
	t.Helper()
	got := make(chan *channels.Channel, 16)
	e := serve(t, func(c *ws.Conn) error {
		ch := channels.NewChannel(c, channels.JSON, opts...)
		r.Add(ch)
		r.Group("room").Add(ch)
		r.Group("other").Add(ch)
		got <- ch
		return readLoop(c)
	})
	return e, got
}

func TestRegistryAddGetAll(t *testing.T) {
	r := channels.NewRegistry()
	e, got := registryServer(t, r)
	e.dial()
	a := recv(t, got)
	e.dial()
	b := recv(t, got)
	if r.Len() != 2 {
		t.Fatalf("Len = %d", r.Len())
	}
	if ch, ok := r.Get(a.UUID()); !ok || ch != a {
		t.Fatalf("Get(a) = %v, %v", ch, ok)
	}
	if _, ok := r.Get("nope"); ok {
		t.Fatal("Get found an unknown id")
	}
	if all := r.All(); len(all) != 2 || all[0] != a || all[1] != b {
		t.Fatalf("All = %v", all)
	}
	if !r.Add(a) || r.Len() != 2 {
		t.Fatal("adding twice changed the registry")
	}
	if gs := r.Groups(); len(gs) != 2 || gs[0].Name() != "other" || gs[1].Name() != "room" {
		t.Fatalf("Groups = %v", gs)
	}
	if !r.Remove(a) || r.Remove(a) {
		t.Fatal("Remove did not report membership")
	}
	if _, ok := r.Get(a.UUID()); ok || r.Len() != 1 {
		t.Fatal("removed channel still registered")
	}
	if !r.Group("room").Has(a) {
		t.Fatal("Remove took the channel out of its groups")
	}
	if !r.RemoveGroup("other") || r.RemoveGroup("other") || len(r.Groups()) != 1 {
		t.Fatal("RemoveGroup")
	}
}

func TestRegistryDropsEndedChannels(t *testing.T) {
	r := channels.NewRegistry()
	e, got := registryServer(t, r)
	c := e.dial()
	ch := recv(t, got)
	e.dial()
	keep := recv(t, got)

	c.CloseNormal()
	waitDone(t, ch.Conn())
	if _, ok := r.Get(ch.UUID()); ok || r.Len() != 1 {
		t.Fatalf("ended channel still registered (Len %d)", r.Len())
	}
	for _, g := range r.Groups() {
		if g.Has(ch) || !g.Has(keep) || g.Len() != 1 {
			t.Fatalf("group %s: Has(ended) %v, Len %d", g.Name(), g.Has(ch), g.Len())
		}
	}
	if r.Add(ch) {
		t.Fatal("Add accepted an ended channel")
	}
	if len(ch.Groups()) != 0 {
		t.Fatalf("ended channel still lists groups %v", ch.Groups())
	}
}

func TestRegistryJanitorExpires(t *testing.T) {
	r := channels.NewRegistry(channels.WithSweepInterval(5 * time.Millisecond))
	stop := r.Start(t.Context())
	defer stop()
	e, got := registryServer(t, r, channels.WithTTL(30*time.Millisecond))
	c := e.dial()
	ch := recv(t, got)
	e2, got2 := registryServer(t, r) // no TTL
	e2.dial()
	keep := recv(t, got2)

	// The janitor removes the channel everywhere, then closes it.
	ce := c.ExpectClose(ws.CloseGoingAway)
	if ce.Reason != channels.ExpiredReason {
		t.Fatalf("reason %q", ce.Reason)
	}
	if _, ok := r.Get(ch.UUID()); ok {
		t.Fatal("expired channel still registered")
	}
	for _, g := range r.Groups() {
		if g.Has(ch) || !g.Has(keep) {
			t.Fatalf("group %s: Has(expired) %v, Has(keep) %v", g.Name(), g.Has(ch), g.Has(keep))
		}
	}
	stop()
	stop() // idempotent
}

func TestRegistrySweep(t *testing.T) {
	r := channels.NewRegistry()
	e, got := registryServer(t, r, channels.WithTTL(20*time.Millisecond))
	c := e.dial()
	ch := recv(t, got)
	if r.Len() != 1 {
		t.Fatal("channel not registered")
	}
	<-time.After(time.Until(ch.Expires())) // the TTL itself, not synchronisation
	for !ch.Expired() {
		runtime.Gosched()
	}
	// The channel's own timer and Sweep race to expire it: one of them
	// removes it, once.
	r.Sweep()
	if r.Add(ch) || r.Group("room").Add(ch) {
		t.Fatal("Add accepted an expired channel")
	}
	if n := r.Sweep(); n != 0 {
		t.Fatalf("second Sweep removed %d", n)
	}
	c.ExpectClose(ws.CloseGoingAway)
	if r.Len() != 0 || r.Group("room").Len() != 0 {
		t.Fatal("expired channel left behind")
	}
}

func TestRegistryRunReturnsOnCancel(t *testing.T) {
	r := channels.NewRegistry()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	cancel()
	if err := recv(t, done); err != context.Canceled {
		t.Fatalf("Run returned %v", err)
	}
}
