package main

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/nexogo/nexo/nexotest"
)

// since is the handshake query of a page whose last position in topic is
// epoch:offset.
func since(topic, epoch string, offset uint64) string {
	return "&nexo_since=" + url.QueryEscape(fmt.Sprintf(`{%q:{"epoch":%q,"offset":%d}}`, topic, epoch, offset))
}

// TestNewcomerGetsTheLast50 checks that a newcomer gets the room's last
// historySize messages, oldest first, and nothing of another room.
func TestNewcomerGetsTheLast50(t *testing.T) {
	s := nexotest.NewServer(t, newApp())
	const sent = historySize + 10
	if m := post(t, s, "lobby", sent, "m"); m.Offset != sent {
		t.Fatalf("last message at offset %d", m.Offset)
	}
	bob := s.Dial("/chat/lobby?name=bob")
	for i := sent - historySize + 1; i <= sent; i++ {
		if m := read(t, bob); m.Type != "message" || m.Text != fmt.Sprint("m", i) || m.Offset != uint64(i) {
			t.Fatalf("want m%d, got %+v", i, m)
		}
	}
	if j := read(t, bob); j.Type != "joined" || !j.Recovered || j.Offset != sent {
		t.Fatalf("joined %+v", j)
	}
	eve := s.Dial("/chat/general?name=eve")
	if j := next(t, eve, "joined"); j.Offset != 0 || !j.Recovered {
		t.Fatalf("general joined %+v", j)
	}
	for _, c := range []*nexotest.Conn{bob, eve} {
		c.CloseNormal()
	}
}

// TestReconnectRecoversWhatWasMissed checks that a page reconnecting with
// its last position gets exactly the messages published while it was
// away, then live ones; and that a position from a lost history (another
// epoch) is answered with recovered false and no replay.
func TestReconnectRecoversWhatWasMissed(t *testing.T) {
	s := nexotest.NewServer(t, newApp())
	ada := s.Dial("/chat/lobby?name=ada")
	bob := s.Dial("/chat/lobby?name=bob")
	next(t, bob, "welcome")
	bob.SendJSON(map[string]string{"type": "message", "text": "before"})
	last := next(t, ada, "message")
	next(t, bob, "message") // bob's own "before": from here bob reads what he publishes
	ada.CloseNormal()
	for i := 1; i <= 5; i++ {
		bob.SendJSON(map[string]string{"type": "message", "text": fmt.Sprint("away", i)})
		next(t, bob, "message")
	}

	ada = s.Dial("/chat/lobby?name=ada" + since(last.Topic, last.Epoch, last.Offset))
	var got []string
	for {
		f := read(t, ada)
		if f.Type == "joined" {
			if !f.Recovered || f.Offset != last.Offset+5 {
				t.Fatalf("joined %+v", f)
			}
			break
		}
		if f.Type == "message" {
			got = append(got, f.Text)
		}
	}
	if want := "away1 away2 away3 away4 away5"; strings.Join(got, " ") != want {
		t.Fatalf("recovered %q, want %q", got, want)
	}
	bob.SendJSON(map[string]string{"type": "message", "text": "live"})
	if m := next(t, ada, "message"); m.Text != "live" || m.Offset != last.Offset+6 {
		t.Fatalf("live %+v", m)
	}

	cat := s.Dial("/chat/lobby?name=cat" + since("chat:lobby", "lost-epoch", 3))
	f := read(t, cat)
	for f.Type == "presence" { // ada's join may be announced after cat subscribed
		f = read(t, cat)
	}
	if f.Type != "joined" || f.Recovered || f.Epoch != last.Epoch || f.Offset != last.Offset+6 {
		t.Fatalf("want joined with recovered false first, got %+v", f)
	}
	for _, c := range []*nexotest.Conn{ada, bob, cat} {
		c.CloseNormal()
	}
}
