package main

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/nexotest"
)

// failingJoins is the in-process broker whose presence refuses every Join
// while fail is set, as a broker that drops between two calls does.
type failingJoins struct {
	*channels.MemoryBroker
	fail atomic.Bool
}

func (b *failingJoins) Presence() channels.Presence {
	return failingPresence{b.MemoryBroker.Presence(), b}
}

type failingPresence struct {
	channels.Presence
	b *failingJoins
}

func (p failingPresence) Join(ctx context.Context, topic string, e channels.PresenceEntry) error {
	if p.b.fail.Load() {
		return errors.New("broker away")
	}
	return p.Presence.Join(ctx, topic, e)
}

// TestRenameThatCannotJoinClosesThePage: a rename takes the page's entry
// out of the room's presence and writes it under the new name; when the
// broker drops between the two, the page is told not_delivered and closed
// with 1013, so that it comes back (and is listed again) rather than
// staying connected where nobody sees it or can write to it.
func TestRenameThatCannotJoinClosesThePage(t *testing.T) {
	b := &failingJoins{MemoryBroker: channels.NewMemoryBroker(channels.KeepHistory(channels.HistoryPolicy{Pattern: "chat:*"}))}
	defer b.Close()
	s := nexotest.NewServer(t, newApp(nexo.WithBroker(b)))
	ada, _ := dialAs(t, s, "/chat/lobby?name=ada", "ada")
	bob, _ := dialAs(t, s, "/chat/lobby?name=bob", "bob")
	b.fail.Store(true)
	bob.SendJSON(map[string]any{"type": "rename", "name": "robert", "ref": 1})
	if f := answerTo(t, bob, 1); f.Type != "error" || f.Error != "not_delivered" {
		t.Errorf("rename with the broker away answered %+v, want not_delivered", f)
	}
	bob.ExpectClose(websocket.CloseTryAgainLater)
	closeAll(ada)
}
