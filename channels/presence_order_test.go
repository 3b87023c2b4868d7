package channels_test

import (
	"context"
	"testing"
	"time"

	"github.com/nexogo/nexo/channels"
)

// TestMemoryPresenceListsInJoinOrder joins b after a, with a join time
// taken before a's (b's instance read its clock first, then a's join was
// stored first): List, oldest first, must still put a first, as a page
// that listed the topic before b's entry existed decided it was first.
// A second Join of a (its meta or name changing) keeps its place.
func TestMemoryPresenceListsInJoinOrder(t *testing.T) {
	ctx := context.Background()
	p := &channels.MemoryPresence{}
	t0 := time.Now().UTC()
	if err := p.Join(ctx, "room", channels.PresenceEntry{ConnID: "a", UserID: "ada", JoinedAt: t0.Add(time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
	if err := p.Join(ctx, "room", channels.PresenceEntry{ConnID: "b", UserID: "ada", JoinedAt: t0}); err != nil {
		t.Fatal(err)
	}
	es, _ := p.List(ctx, "room")
	if len(es) != 2 || es[0].ConnID != "a" || es[1].ConnID != "b" {
		t.Fatalf("List = %v, want a then b (the order of the joins)", es)
	}
	// a renames: the same connection, its own join time.
	if err := p.Join(ctx, "room", channels.PresenceEntry{ConnID: "a", UserID: "ada (2)", JoinedAt: es[0].JoinedAt}); err != nil {
		t.Fatal(err)
	}
	es, _ = p.List(ctx, "room")
	if len(es) != 2 || es[0].ConnID != "a" || es[0].UserID != "ada (2)" {
		t.Fatalf("List after a's second Join = %v, want a (renamed) first", es)
	}
}
