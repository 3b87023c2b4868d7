package main

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/internal/servicetest"
	"github.com/nexogo/nexo/nexotest"
)

// welcomed reads c's welcome, with its connection ID and member list.
func welcomed(t *testing.T, c *nexotest.Conn) (w frame, id string, members []member) {
	t.Helper()
	for {
		var raw json.RawMessage
		c.ReadJSON(&raw)
		var f struct {
			Type    string   `json:"type"`
			ID      string   `json:"id"`
			Members []member `json:"members"`
		}
		json.Unmarshal(raw, &f)
		if f.Type == "welcome" {
			json.Unmarshal(raw, &w)
			return w, f.ID, f.Members
		}
	}
}

// dialAs joins path and checks that the welcome names the page want. It
// returns the connection and its ID.
func dialAs(t *testing.T, s *nexotest.Server, path, want string) (*nexotest.Conn, string) {
	t.Helper()
	c := s.Dial(path)
	w, id, _ := welcomed(t, c)
	if w.You != want {
		t.Errorf("%s welcomed as %q, want %q", path, w.You, want)
	}
	return c, id
}

// closeAll closes each connection normally.
func closeAll(cs ...*nexotest.Conn) {
	for _, c := range cs {
		c.CloseNormal()
	}
}

// TestNamesAreUniqueInARoom checks that a second "ada" in a room becomes
// "ada (2)", in her welcome, in the others' user lists and in what she
// posts, while another room has its own "ada".
func TestNamesAreUniqueInARoom(t *testing.T) {
	s := nexotest.NewServer(t, newApp())
	ada := s.Dial("/chat/lobby?name=ada")
	_, adaID, _ := welcomed(t, ada)
	ada2 := s.Dial("/chat/lobby?name=ada")
	w, ada2ID, members := welcomed(t, ada2)
	if w.You != "ada (2)" || !slices.Equal(w.Users, []string{"ada", "ada (2)"}) {
		t.Fatalf("second ada welcomed as %+v", w)
	}
	if want := []member{{adaID, "ada"}, {ada2ID, "ada (2)"}}; adaID == "" || !slices.Equal(members, want) {
		t.Errorf("members %+v, want %+v", members, want)
	}
	if ev := next(t, ada, "presence"); ev.Event != "join" || ev.Entry.UserID != "ada (2)" {
		t.Errorf("presence %+v", ev)
	}
	ada2.SendJSON(map[string]string{"type": "message", "text": "which ada?"})
	if m := next(t, ada, "message"); m.From != "ada (2)" {
		t.Errorf("message from %q, want ada (2)", m.From)
	}
	other, _ := dialAs(t, s, "/chat/general?name=ada", "ada")
	closeAll(ada, ada2, other)
}

// TestNamesThatLookAlike: a name that differs from one in the room only
// by what does not show (a zero-width space or joiner, a direction mark,
// a control character, a run of spaces) is the same name, so the second
// page cannot pass for the first; a name of nothing visible is "guest".
func TestNamesThatLookAlike(t *testing.T) {
	s := nexotest.NewServer(t, newApp())
	ada, _ := dialAs(t, s, "/chat/lobby?name=ada%20lovelace", "ada lovelace")
	pages := []*nexotest.Conn{ada}
	for i, name := range []string{"ada%E2%80%8B%20lovelace", "%E2%80%8Fada%20lovelace", "ada%20%20lovelace", "ada%09lovelace", "ada%00%20lovelace%E2%80%8D", "ada%20lovelace%EF%BB%BF"} {
		c, _ := dialAs(t, s, "/chat/lobby?name="+name, fmt.Sprintf("ada lovelace (%d)", i+2))
		pages = append(pages, c)
	}
	for i, name := range []string{"%E2%80%8B", "%0A%0D", "%C2%A0"} {
		c, _ := dialAs(t, s, fmt.Sprintf("/chat/lounge%d?name=%s", i, name), "guest")
		c.CloseNormal()
	}
	closeAll(pages...)
}

// TestPrivateGoesToOneConnection checks that a private message reaches
// the one connection it names (by name, now unique, or by connection ID),
// never another page whose user asked for the same name.
func TestPrivateGoesToOneConnection(t *testing.T) {
	s := nexotest.NewServer(t, newApp())
	ada, _ := dialAs(t, s, "/chat/lobby?name=ada", "ada")
	ada2, ada2ID := dialAs(t, s, "/chat/lobby?name=ada", "ada (2)")
	bob, _ := dialAs(t, s, "/chat/lobby?name=bob", "bob")

	bob.SendJSON(map[string]any{"type": "private", "to": "ada", "text": "for the first ada", "ref": 1})
	if f := answerTo(t, bob, 1); f.Type != "reply" {
		t.Fatalf("private to ada: %+v", f)
	}
	bob.SendJSON(map[string]any{"type": "private", "to": "ada (2)", "to_id": ada2ID, "text": "for the second ada", "ref": 2})
	if f := answerTo(t, bob, 2); f.Type != "reply" {
		t.Fatalf("private to ada (2): %+v", f)
	}
	if m := next(t, ada, "private"); m.Text != "for the first ada" || m.To != "ada" {
		t.Errorf("ada got %+v", m)
	}
	if m := next(t, ada2, "private"); m.Text != "for the second ada" || m.To != "ada (2)" {
		t.Errorf("ada (2) got %+v", m)
	}
	// Each got one: no other private message comes before the next
	// message to the room.
	bob.SendJSON(map[string]string{"type": "message", "text": "room"})
	for _, c := range []*nexotest.Conn{ada, ada2} {
		for f := read(t, c); f.Type != "message"; f = read(t, c) {
			if f.Type == "private" {
				t.Errorf("a second private message: %+v", f)
			}
		}
	}
	closeAll(ada, ada2, bob)
}

// TestRename checks that a user can rename: the reply carries the new
// name (disambiguated when taken), the room sees a presence "rename"
// event with the connection's ID, and later messages carry the new name.
func TestRename(t *testing.T) {
	s := nexotest.NewServer(t, newApp())
	ada, _ := dialAs(t, s, "/chat/lobby?name=ada", "ada")
	guest, guestID := dialAs(t, s, "/chat/lobby", "guest") // Escape in the name dialog: no name
	next(t, ada, "presence")                               // guest joined

	guest.SendJSON(map[string]any{"type": "rename", "name": "ada", "ref": 1})
	if f := answerTo(t, guest, 1); f.Type != "reply" || string(f.Data) != `{"name":"ada (2)"}` {
		t.Fatalf("rename to a taken name answered %+v (data %s)", f, f.Data)
	}
	var ev struct {
		Type  string `json:"type"`
		Event string `json:"event"`
		Entry struct {
			ConnID string `json:"conn_id"`
			UserID string `json:"user_id"`
		} `json:"entry"`
	}
	ada.ReadJSON(&ev)
	if ev.Event != "rename" || ev.Entry.ConnID != guestID || ev.Entry.UserID != "ada (2)" {
		t.Fatalf("ada saw %+v", ev)
	}
	guest.SendJSON(map[string]any{"type": "rename", "name": "bob", "ref": 2})
	if f := answerTo(t, guest, 2); f.Type != "reply" || string(f.Data) != `{"name":"bob"}` {
		t.Fatalf("rename to bob answered %+v (data %s)", f, f.Data)
	}
	guest.SendJSON(map[string]string{"type": "message", "text": "bob now"})
	if m := next(t, ada, "message"); m.From != "bob" {
		t.Errorf("message from %q, want bob", m.From)
	}
	cat := s.Dial("/chat/lobby?name=cat")
	if w, _, _ := welcomed(t, cat); !slices.Equal(w.Users, []string{"ada", "bob", "cat"}) {
		t.Errorf("users after the rename: %v", w.Users)
	}
	closeAll(ada, guest, cat)
}

// TestReconnectKeepsTheName checks that a page reconnecting while the
// server still lists its old connection (a dropped network is noticed
// late) keeps its name, since it sends the same tab token; another page
// asking for the name still gets "ada (2)".
func TestReconnectKeepsTheName(t *testing.T) {
	s := nexotest.NewServer(t, newApp())
	old, _ := dialAs(t, s, "/chat/lobby?name=ada&tab=t1", "ada")
	again, _ := dialAs(t, s, "/chat/lobby?name=ada&tab=t1", "ada")     // the same tab, reconnecting
	other, _ := dialAs(t, s, "/chat/lobby?name=ada&tab=t2", "ada (2)") // another tab
	closeAll(old, again, other)
}

// TestNamesAreUniqueAcrossInstances joins two pages as "ada" at once, one
// on each of two instances sharing a broker, in room after room: every
// time, they are welcomed under two names. With Redis and NATS each
// instance has a broker of its own, as two processes would, and reads
// its own clock.
func TestNamesAreUniqueAcrossInstances(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		b := channels.NewMemoryBroker(channels.KeepHistory(channels.HistoryPolicy{Pattern: "chat:*"}))
		defer b.Close()
		namesAreUnique(t, newApp(nexo.WithBroker(b)), newApp(nexo.WithBroker(b)))
	})
	for _, broker := range []string{"redis", "nats"} {
		t.Run(broker, func(t *testing.T) {
			t.Setenv("NEXO_BROKER", broker)
			if broker == "redis" {
				t.Setenv("NEXO_REDIS_URL", servicetest.RequireRedis(t))
			} else {
				t.Setenv("NEXO_NATS_URL", servicetest.RequireNATS(t))
			}
			t.Setenv("NEXO_CHANNEL_PREFIX", fmt.Sprintf("chatnames%d", time.Now().UnixNano()))
			quiet := nexo.WithLogger(slog.New(slog.DiscardHandler))
			namesAreUnique(t, newApp(quiet), newApp(quiet))
		})
	}
}

// namesAreUnique joins a page as "ada" on each of two apps at once, in
// room after room, then sixteen pages at once, eight on each app, in three
// rooms (each page that gives way renames while others do), and fails
// when two pages of a room are welcomed under one name.
func namesAreUnique(t *testing.T, a, b *nexo.App) {
	servers := []*nexotest.Server{nexotest.NewServer(t, a), nexotest.NewServer(t, b)}
	for i := range 20 {
		uniqueWelcomes(t, fmt.Sprintf("/chat/room%d?name=ada", i), servers, 2)
	}
	for i := range 3 {
		uniqueWelcomes(t, fmt.Sprintf("/chat/storm%d?name=ada", i), servers, 16)
	}
}

// uniqueWelcomes dials path n times at once, in turn on each of servers,
// fails when two pages are welcomed under one name, and closes them.
func uniqueWelcomes(t *testing.T, path string, servers []*nexotest.Server, n int) {
	names := make(chan string, n)
	conns := make([]*nexotest.Conn, n)
	var wg sync.WaitGroup
	for j := range conns {
		s := servers[j%len(servers)]
		wg.Go(func() {
			c, _, err := s.TryDial(path, nexotest.WithTimeout(30*time.Second)) // brokers under CI load
			if err != nil {
				names <- err.Error()
				return
			}
			conns[j] = c
			names <- welcomeName(c)
		})
	}
	wg.Wait()
	close(names)
	seen := map[string]int{}
	for name := range names {
		seen[name]++
	}
	for name, k := range seen {
		if k > 1 {
			t.Errorf("%s: %d pages welcomed as %q (%v)", path, k, name, seen)
		}
	}
	for _, c := range conns {
		if c != nil {
			c.CloseNormal()
		}
	}
}

// welcomeName reads c until its welcome and returns the name in it, or
// the read error; it may run on any goroutine.
func welcomeName(c *nexotest.Conn) string {
	for {
		_, data, err := c.TryRead()
		if err != nil {
			return err.Error()
		}
		var w welcome
		if json.Unmarshal(data, &w) == nil && w.Type == "welcome" {
			return w.You
		}
	}
}
