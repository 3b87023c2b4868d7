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
