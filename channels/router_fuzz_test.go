package channels_test

import (
	"encoding/json"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/nexogo/nexo/ws"
)

// FuzzEventDispatch sends arbitrary frames to an EventRouter over a real
// socket: each gets at most one answer, a well-formed reply or error frame,
// and the connection stays up (a probe request still gets its reply).
func FuzzEventDispatch(f *testing.F) {
	for _, s := range []string{
		`{"event":"chat.send","data":{"room":"a","text":"hi"},"ref":1}`,
		`{"event":"chat.send","data":{"room":"a"},"ref":2}`,
		`{"event":"chat.send","data":{"room":7}}`,
		`{"event":"chat.fail","ref":"x"}`,
		`{"event":"chat.crash","ref":[1]}`,
		`{"event":"chat.ack","ref":{"a":1}}`,
		`{"event":"chat.push","data":3}`,
		`{"event":"nope","ref":5}`,
		`{"data":1}`,
		`[]`,
		`nul`,
		"\xff\xfe",
	} {
		f.Add([]byte(s))
	}
	// No heartbeat: the fuzzing engine runs the target in several
	// processes, and the connection of one that sits idle for 35 s (the
	// coordinator, after the seed corpus) would otherwise be closed with
	// 4000 under it.
	e := serve(f, chatRouter(discardLogger()).Handler(), ws.WithHeartbeat(-1, 0))
	c := e.dial()
	f.Fuzz(func(t *testing.T, b []byte) {
		// Binary frames: the router reads JSON from either kind, and a
		// text frame with invalid UTF-8 would rightly close with 1007.
		if err := c.WriteMessage(websocket.BinaryMessage, b); err != nil {
			ce, cerr := c.TryClose()
			t.Fatalf("write: %v (server close %v, %v)", err, ce, cerr)
		}
		if err := c.WriteMessage(websocket.TextMessage, []byte(`{"event":"chat.ack","ref":"probe"}`)); err != nil {
			t.Fatal(err)
		}
		for answers := 0; ; answers++ {
			_, data, err := c.TryRead()
			if err != nil {
				t.Fatalf("connection lost after %q: %v", b, err)
			}
			var fr struct {
				Type  string          `json:"type"`
				Event string          `json:"event"`
				Error string          `json:"error"`
				Ref   json.RawMessage `json:"ref"`
			}
			if err := json.Unmarshal(data, &fr); err != nil {
				t.Fatalf("answer %q is not a JSON object: %v", data, err)
			}
			if fr.Type == "reply" && string(fr.Ref) == `"probe"` {
				if answers > 1 {
					t.Fatalf("%d answers to %q", answers, b)
				}
				return
			}
			switch {
			case fr.Type == "reply", fr.Type == "error" && fr.Error != "", fr.Event == "pushed":
			default:
				t.Fatalf("unexpected answer %s to %q", data, b)
			}
		}
	})
}
