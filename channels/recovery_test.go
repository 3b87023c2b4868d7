package channels_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

func TestRecoveryNeedsHistory(t *testing.T) {
	b := channels.NewMemoryBroker(channels.KeepHistory(channels.HistoryPolicy{Pattern: "kept:*"}))
	defer b.Close()
	errs := make(chan error, 1)
	e := serve(t, func(c *ws.Conn) error {
		_, err := channels.Join(c, "plain", channels.WithBroker(b), channels.WithRecovery())
		errs <- err
		return readLoop(c)
	})
	e.dial()
	if err := recv(t, errs); !errors.Is(err, channels.ErrNoHistory) {
		t.Fatalf("Join with recovery on a topic without history: %v", err)
	}
	if b.Subscribers("plain") != 0 {
		t.Fatal("left subscribed")
	}
}

// TestRecoveryTellsOfLoss: a live subscription that sees a gap in
// offsets, or another epoch, sends joined with recovered:false before the
// message, and drops a duplicate.
func TestRecoveryTellsOfLoss(t *testing.T) {
	b := channels.NewMemoryBroker(channels.KeepHistory(channels.HistoryPolicy{Pattern: "t"}))
	defer b.Close()
	e := serve(t, func(c *ws.Conn) error {
		sub, err := channels.Join(c, "t", channels.WithBroker(b), channels.WithRecovery())
		if err != nil {
			return err
		}
		ep := b.Epoch()
		for _, p := range []channels.Position{{Epoch: ep, Offset: 1}, {Epoch: ep, Offset: 1}, {Epoch: ep, Offset: 4}, {Epoch: "new", Offset: 1}} {
			sub.Deliver(&channels.Message{Topic: "t", Type: ws.TextMessage, Data: []byte("x"), Pos: p})
		}
		return readLoop(c)
	})
	c := e.dial()
	var got []string
	for range 6 {
		var f struct {
			Type      string
			Epoch     string
			Offset    uint64
			Recovered bool
		}
		_, data := c.Read()
		json.Unmarshal(data, &f)
		epoch := f.Epoch
		if epoch == b.Epoch() {
			epoch = "E"
		}
		s := fmt.Sprintf("%s %s %d", f.Type, epoch, f.Offset)
		if f.Type == "joined" {
			s += map[bool]string{true: " ok", false: " lost"}[f.Recovered]
		}
		got = append(got, s)
	}
	want := []string{"joined E 0 ok", "pub E 1", "joined E 3 lost", "pub E 4", "joined new 0 lost", "pub new 1"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("frames %q, want %q", got, want)
		}
	}
}
