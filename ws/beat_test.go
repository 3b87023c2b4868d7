package ws_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/nexogo/nexo/ws"
)

// beat is the heartbeat message of ws.BeatParam.
type beat struct {
	Type   string `json:"type"`
	Within int64  `json:"within"`
}

// TestBeatsWhenAsked: a client that asks for heartbeat messages gets one
// right after the handshake and one with every ping, each saying within
// how long the next comes; the handler never sends them itself.
func TestBeatsWhenAsked(t *testing.T) {
	const interval, timeout = 100 * time.Millisecond, 50 * time.Millisecond
	s, _ := serve(t, func(c *ws.Conn) error {
		if err := c.Accept(); err != nil {
			return err
		}
		<-c.Context().Done()
		return nil
	}, ws.WithHeartbeat(interval, timeout))
	c := s.Dial("/ws?x=1&" + ws.BeatParam + "=1")
	for i := range 3 {
		var b beat
		if err := json.Unmarshal([]byte(c.ReadText()), &b); err != nil {
			t.Fatal(err)
		}
		if b.Type != ws.BeatType || b.Within != (interval+timeout).Milliseconds() {
			t.Fatalf("message %d: %+v, want type %q within %d", i, b, ws.BeatType, (interval + timeout).Milliseconds())
		}
	}
	c.CloseNormal()
}

// TestNoBeatsUnlessAsked: a client that does not ask, or asks while
// heartbeats are off, gets only what the handler sends.
func TestNoBeatsUnlessAsked(t *testing.T) {
	for name, tc := range map[string]struct {
		path     string
		interval time.Duration
	}{
		"not asked":      {"/ws", 20 * time.Millisecond},
		"asked with 0":   {"/ws?" + ws.BeatParam + "=0", 20 * time.Millisecond},
		"heartbeats off": {"/ws?" + ws.BeatParam + "=1", -1},
	} {
		t.Run(name, func(t *testing.T) {
			s, _ := serve(t, func(c *ws.Conn) error {
				if err := c.Accept(); err != nil {
					return err
				}
				// Several ping intervals pass before the handler's message.
				select {
				case <-time.After(150 * time.Millisecond):
				case <-c.Context().Done():
					return nil
				}
				return c.SendText("mine")
			}, ws.WithHeartbeat(tc.interval, 20*time.Millisecond))
			c := s.Dial(tc.path)
			c.ExpectText("mine")
		})
	}
}
