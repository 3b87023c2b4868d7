package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/nexogo/nexo/nexotest"
)

// answerTo reads c until the reply or error frame carrying ref.
func answerTo(t *testing.T, c *nexotest.Conn, ref int) frame {
	t.Helper()
	want := fmt.Sprint(ref)
	for {
		f := read(t, c)
		if (f.Type == "reply" || f.Type == "error") && string(f.Ref) == want {
			return f
		}
	}
}

// TestInvalidFrameAnsweredWithItsRef checks that a frame refused by
// validation is answered with an error frame carrying its ref, so that a
// page can mark that message failed.
func TestInvalidFrameAnsweredWithItsRef(t *testing.T) {
	s := nexotest.NewServer(t, newApp())
	ada := s.Dial("/chat/lobby?name=ada")
	next(t, ada, "welcome")
	ada.SendJSON(map[string]any{"type": "message", "text": strings.Repeat("x", 1001), "ref": 7})
	if f := answerTo(t, ada, 7); f.Type != "error" || f.Error != "validation" || f.Fields["text"] == "" {
		t.Errorf("too long a message answered %+v", f)
	}
	ada.CloseNormal()
}

// TestRequestShapedFrames checks that the client's request(event, data)
// frames, {"event","data","ref"}, work as well as {"type",...}: the page
// can use request() and have its promise resolved or rejected.
func TestRequestShapedFrames(t *testing.T) {
	s := nexotest.NewServer(t, newApp())
	ada := s.Dial("/chat/lobby?name=ada")
	next(t, ada, "welcome")
	ada.SendJSON(map[string]any{"event": "message", "data": map[string]string{"text": "by request"}, "ref": 1})
	if m := next(t, ada, "message"); m.Text != "by request" || m.From != "ada" {
		t.Errorf("published %+v", m)
	}
	if f := answerTo(t, ada, 1); f.Type != "reply" {
		t.Errorf("request answered %+v", f)
	}
	ada.SendJSON(map[string]any{"event": "rename", "data": map[string]string{"name": "ada2"}, "ref": 2})
	if f := answerTo(t, ada, 2); f.Type != "reply" || string(f.Data) != `{"name":"ada2"}` {
		t.Errorf("rename request answered %+v (data %s)", f, f.Data)
	}
	ada.SendJSON(map[string]any{"event": "private", "data": map[string]string{"to": "nobody", "text": "hello?"}, "ref": 3})
	if f := answerTo(t, ada, 3); f.Type != "error" || f.Error != "unknown_user" {
		t.Errorf("private request to nobody answered %+v", f)
	}
	ada.CloseNormal()
}
