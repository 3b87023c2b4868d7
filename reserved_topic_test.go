package nexo_test

import (
	"context"
	"errors"
	"testing"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// TestReservedTopics: an App carries its own traffic (Broadcast,
// BroadcastRoute, SendTo, Disconnect) on topics named "nexo.…". An app
// that lets a client choose the topic it joins must not hand that client
// everyone's direct messages, nor let anyone publish into them.
func TestReservedTopics(t *testing.T) {
	app := nexo.New()
	app.WebSocketRoute("/join/{topic}", func(c *ws.Conn) error {
		_, err := channels.Join(c, c.PathParam("topic"))
		if err != nil {
			return c.SendText("refused: " + err.Error())
		}
		return c.SendText("joined")
	})
	s := nexotest.NewServer(t, app)
	for _, topic := range []string{"nexo.direct", "nexo.broadcast", "nexo.broadcast.route", "nexo.direct." + "x"} {
		cl := s.Dial("/join/" + topic)
		if got := cl.ReadText(); got == "joined" {
			t.Errorf("a client joined the App's own topic %q", topic)
		}
		cl.Close()
		if err := app.Publish(context.Background(), topic, "forged"); !errors.Is(err, channels.ErrReservedTopic) {
			t.Errorf("Publish(%q) = %v, want ErrReservedTopic", topic, err)
		}
	}
	cl := s.Dial("/join/room:nexo.direct")
	if got := cl.ReadText(); got != "joined" {
		t.Errorf("an ordinary topic was refused: %s", got)
	}
}
