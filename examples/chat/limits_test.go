package main

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/nexogo/nexo/nexotest"
)

// answers sends n messages with refs 1..n on c and reads until each ref
// has its answer: a "reply" for a published message, an error for one
// that was not. It returns the errors by ref and the number of replies.
func answers(t *testing.T, c *nexotest.Conn, n int) (errs map[int]frame, replies int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		c.SendJSON(map[string]any{"type": "message", "text": fmt.Sprint("m", i), "ref": i})
	}
	errs = map[int]frame{}
	for len(errs)+replies < n {
		f := read(t, c)
		if f.Type != "reply" && f.Type != "error" {
			continue
		}
		var ref int
		if err := json.Unmarshal(f.Ref, &ref); err != nil || ref < 1 || ref > n {
			t.Fatalf("answer without a valid ref: %+v", f)
		}
		if f.Type == "reply" {
			replies++
		} else {
			errs[ref] = f
		}
	}
	return errs, replies
}

// TestFloodIsRateLimited checks that a connection sending faster than the
// rate limit has its extra messages dropped, each answered with a
// rate_limited error carrying its ref, and stays connected.
func TestFloodIsRateLimited(t *testing.T) {
	s := nexotest.NewServer(t, newApp())
	ada := s.Dial("/chat/lobby?name=ada")
	next(t, ada, "welcome")
	const sent = 50
	errs, replies := answers(t, ada, sent)
	if replies < 1 || replies > messageBurst+5 {
		t.Errorf("%d of %d flooded messages published, want about %d", replies, sent, messageBurst)
	}
	for ref, e := range errs {
		if e.Error != "rate_limited" {
			t.Errorf("ref %d: %+v, want rate_limited", ref, e)
		}
	}
	ada.CloseNormal()
}

// post posts n messages in room, each "<prefix><i>" for i from 1, through
// as many connections as the rate limit needs (messageBurst messages
// each, all let through at once), and returns the last as received.
func post(t *testing.T, s *nexotest.Server, room string, n int, prefix string) frame {
	t.Helper()
	var last frame
	for sent := 0; sent < n; {
		c := s.Dial("/chat/" + room + "?name=ada")
		next(t, c, "welcome")
		for i := 0; i < messageBurst && sent < n; i++ {
			sent++
			c.SendJSON(map[string]string{"type": "message", "text": fmt.Sprint(prefix, sent)})
			last = next(t, c, "message")
		}
		c.CloseNormal()
	}
	return last
}

// TestHistoryIsBounded checks that a room keeps at most historyCount
// messages: a page coming back from the first message cannot recover, one
// within the last messages can.
func TestHistoryIsBounded(t *testing.T) {
	s := nexotest.NewServer(t, newApp())
	const posted = historyCount + 50
	last := post(t, s, "lobby", posted, "m")
	if last.Offset != posted {
		t.Fatalf("last offset %d, want %d", last.Offset, posted)
	}
	old := s.Dial("/chat/lobby?name=bob" + since(last.Topic, last.Epoch, 1))
	if j := next(t, old, "joined"); j.Recovered {
		t.Errorf("recovered from offset 1 of %d: history not bounded to %d", posted, historyCount)
	}
	recent := s.Dial("/chat/lobby?name=cat" + since(last.Topic, last.Epoch, posted-10))
	if j := next(t, recent, "joined"); !j.Recovered {
		t.Errorf("could not recover the last 10 messages: %+v", j)
	}
	old.CloseNormal()
	recent.CloseNormal()
}

// TestRoomsAreBounded checks that past the bound on rooms a new room is
// refused with 1013 and a reason, while the rooms held stay open.
func TestRoomsAreBounded(t *testing.T) {
	s := nexotest.NewServer(t, newApp())
	conns := make([]*nexotest.Conn, 0, maxRooms)
	for i := range maxRooms {
		c := s.Dial(fmt.Sprintf("/chat/room%d?name=ada", i))
		next(t, c, "welcome")
		conns = append(conns, c)
	}
	over := s.Dial("/chat/one-too-many?name=ada")
	if ce := over.ExpectClose(websocket.CloseTryAgainLater); !strings.Contains(ce.Reason, "too many rooms") {
		t.Errorf("close reason %q", ce.Reason)
	}
	again := s.Dial("/chat/room0?name=bob")
	next(t, again, "welcome")
	again.CloseNormal()
	for _, c := range conns {
		c.CloseNormal()
	}
}

// TestHeapStaysBounded repeats the attack, one client visiting
// many rooms and posting long messages in each as fast as the rate limit
// lets it (a new connection per burst), and checks that the heap the
// server keeps afterwards stays within the rooms' history bounds.
func TestHeapStaysBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 6,000 messages")
	}
	s := nexotest.NewServer(t, newApp())
	before := heap()
	const rooms, perRoom = 40, 150
	long := strings.Repeat("x", 990)
	for r := range rooms {
		post(t, s, fmt.Sprint("flood", r), perRoom, long)
	}
	grown := int64(heap()) - int64(before)
	t.Logf("heap grew by %.1f MiB after %d rooms × %d messages", float64(grown)/(1<<20), rooms, perRoom)
	// Each room holds at most historyBytes of messages, which with their
	// prepared frames and the room's presence events take about 4 times
	// as much.
	const limit = rooms*4*historyBytes + 4<<20
	if grown > limit {
		t.Errorf("heap grew by %.1f MiB, want under %.1f MiB", float64(grown)/(1<<20), float64(limit)/(1<<20))
	}
}

// heap returns the live heap after a collection.
func heap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestRoomNamesAreChecked checks that a room name is refused with 1008
// when it is too long or could reach another room's topics: a room named
// "lobby#presence" would post into the lobby's presence events.
func TestRoomNamesAreChecked(t *testing.T) {
	s := nexotest.NewServer(t, newApp())
	ada := s.Dial("/chat/lobby?name=ada")
	next(t, ada, "welcome")
	for _, room := range []string{"lobby%23presence", strings.Repeat("r", maxRoomName+1), "a%20b"} {
		c := s.Dial("/chat/" + room + "?name=mallory")
		c.SendJSON(map[string]string{"type": "message", "text": "from " + room})
		if ce := c.ExpectClose(websocket.ClosePolicyViolation); ce.Reason != "bad room name" {
			t.Errorf("%s: closed with %q", room, ce.Reason)
		}
	}
	ada.SendJSON(map[string]string{"type": "message", "text": "mine"})
	if m := next(t, ada, "message"); m.Text != "mine" {
		t.Errorf("the lobby got %+v", m)
	}
	ada.CloseNormal()
}
