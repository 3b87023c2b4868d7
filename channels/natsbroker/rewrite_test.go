package natsbroker_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/natsbroker"
)

// TestLeaveDuringLeaseRewriteLeavesNoGhost: an instance that lost its
// lease (an outage longer than the lease) takes it again and writes its
// entries again. A member that leaves while that rewrite is under way,
// after its entry was copied and before it is written, is not written
// back for good: once the rewrite returns, no instance lists it.
func TestLeaveDuringLeaseRewriteLeavesNoGhost(t *testing.T) {
	url := requireNATS(t)
	f := newFactory(t, url)
	a, b := f.New(t), f.New(t)
	ctx := context.Background()
	const topic = "room:rewrite"
	for _, id := range []string{"stays", "leaves"} {
		if err := a.Presence().Join(ctx, topic, channels.PresenceEntry{ConnID: id, UserID: id}); err != nil {
			t.Fatal(err)
		}
	}
	var once sync.Once
	left := make(chan error, 1)
	natsbroker.OnRewrite(a, func(k string) {
		if k == natsbroker.Key(topic, "leaves") {
			once.Do(func() { left <- a.Presence().Leave(ctx, topic, "leaves") })
		}
	})
	if err := natsbroker.RetakeLease(ctx, a); err != nil {
		t.Fatal(err)
	}
	natsbroker.OnRewrite(a, nil)
	select {
	case err := <-left:
		if err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatal("the rewrite did not write the entry of the member who leaves")
	}
	for name, br := range map[string]*natsbroker.Broker{"a": a, "b": b} {
		if got := connIDs(br, topic); !slices.Equal(got, []string{"stays"}) {
			t.Errorf("%s lists %q after the rewrite, want [stays]: the member that left during the rewrite is a ghost", name, got)
		}
	}
}
