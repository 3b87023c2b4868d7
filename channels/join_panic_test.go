package channels_test

import (
	"context"
	"testing"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

// panicBroker is a broker whose Subscribe panics.
type panicBroker struct{ channels.Broker }

func (panicBroker) Subscribe(context.Context, string, channels.Subscriber) error {
	panic("subscribe failed")
}

// Join subscribes on a goroutine of its own (to keep the handler's stack
// small); a panic in the broker's Subscribe must still reach the handler
// and close the connection with 1011, as a panic on the handler's
// goroutine does, rather than crash the process.
func TestJoinSubscribePanicClosesWith1011(t *testing.T) {
	b := panicBroker{channels.NewMemoryBroker()}
	e := serve(t, func(c *ws.Conn) error {
		if err := c.Accept(); err != nil {
			return err
		}
		if _, err := channels.Join(c, "t", channels.WithBroker(b)); err != nil {
			return err
		}
		return readLoop(c)
	})
	e.dial().ExpectClose(ws.CloseInternalError)
}
