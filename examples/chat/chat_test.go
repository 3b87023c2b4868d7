package main

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/nexogo/nexo/nexotest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type frame struct {
	Type   string            `json:"type"`
	You    string            `json:"you"`
	Users  []string          `json:"users"`
	From   string            `json:"from"`
	To     string            `json:"to"`
	Text   string            `json:"text"`
	Event  string            `json:"event"`
	Error  string            `json:"error"`
	Ref    json.RawMessage   `json:"ref"`
	Fields map[string]string `json:"fields"`
	Entry  struct {
		UserID string `json:"user_id"`
	} `json:"entry"`
	// A room's message comes in a "pub" frame with its position, and a
	// (re)join ends with a "joined" frame.
	Topic     string          `json:"topic"`
	Epoch     string          `json:"epoch"`
	Offset    uint64          `json:"offset"`
	Recovered bool            `json:"recovered"`
	Data      json.RawMessage `json:"data"`
}

// read reads one frame; a "pub" frame is unwrapped into its message, with
// the position kept.
func read(t *testing.T, c *nexotest.Conn) frame {
	t.Helper()
	var f frame
	c.ReadJSON(&f)
	if f.Type != "pub" {
		return f
	}
	var m frame
	if err := json.Unmarshal(f.Data, &m); err != nil {
		t.Fatalf("pub data %s: %v", f.Data, err)
	}
	m.Topic, m.Epoch, m.Offset = f.Topic, f.Epoch, f.Offset
	return m
}

// next reads frames until one of the wanted type.
func next(t *testing.T, c *nexotest.Conn, typ string) frame {
	t.Helper()
	for {
		if f := read(t, c); f.Type == typ {
			return f
		}
	}
}

func TestChat(t *testing.T) {
	s := nexotest.NewServer(t, newApp())
	ada := s.Dial("/chat/lobby?name=ada")
	if w := next(t, ada, "welcome"); w.You != "ada" || !slices.Equal(w.Users, []string{"ada"}) {
		t.Fatalf("welcome %+v", w)
	}
	bob := s.Dial("/chat/lobby?name=bob")
	if w := next(t, bob, "welcome"); !slices.Equal(w.Users, []string{"ada", "bob"}) {
		t.Fatalf("welcome %+v", w)
	}
	if ev := next(t, ada, "presence"); ev.Event != "join" || ev.Entry.UserID != "bob" {
		t.Fatalf("presence %+v", ev)
	}
	eve := s.Dial("/chat/general?name=eve")
	next(t, eve, "welcome")

	ada.SendJSON(map[string]string{"type": "message", "text": "hi bob", "from": "mallory"})
	for _, c := range []*nexotest.Conn{ada, bob} {
		if m := next(t, c, "message"); m.Text != "hi bob" || m.From != "ada" {
			t.Fatalf("message %+v", m)
		}
	}
	bob.SendJSON(map[string]string{"type": "private", "to": "ada", "text": "psst"})
	if m := next(t, ada, "private"); m.Text != "psst" || m.From != "bob" || m.To != "ada" {
		t.Fatalf("private %+v", m)
	}
	if m := next(t, bob, "private"); m.Text != "psst" {
		t.Fatalf("echo %+v", m)
	}
	bob.SendJSON(map[string]string{"type": "message", "text": ""})
	if e := next(t, bob, "error"); e.Error != "validation" || e.Fields["text"] == "" {
		t.Fatalf("error %+v", e)
	}
	bob.SendText("{nope")
	if e := next(t, bob, "error"); e.Error != "invalid_json" {
		t.Fatalf("error %+v", e)
	}

	// A newcomer gets the room's history, then joined, then the welcome;
	// general heard nothing.
	cat := s.Dial("/chat/lobby?name=cat")
	if m := next(t, cat, "message"); m.Text != "hi bob" || m.From != "ada" || m.Topic != "chat:lobby" || m.Offset != 1 {
		t.Fatalf("history %+v", m)
	}
	if j := read(t, cat); j.Type != "joined" || !j.Recovered || j.Offset != 1 {
		t.Fatalf("joined %+v", j)
	}
	if w := next(t, cat, "welcome"); w.You != "cat" {
		t.Fatalf("welcome %+v", w)
	}
	eve.SendJSON(map[string]string{"type": "message", "text": "anyone?"})
	if m := next(t, eve, "message"); m.Text != "anyone?" {
		t.Fatalf("got %+v", m)
	}
	bob.CloseNormal()
	if ev := next(t, ada, "presence"); ev.Event != "join" || ev.Entry.UserID != "cat" {
		t.Fatalf("presence %+v", ev)
	}
	if ev := next(t, ada, "presence"); ev.Event != "leave" || ev.Entry.UserID != "bob" {
		t.Fatalf("presence %+v", ev)
	}
	for _, c := range []*nexotest.Conn{ada, cat, eve} {
		c.CloseNormal()
	}
}
