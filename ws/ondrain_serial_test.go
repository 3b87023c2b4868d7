package ws_test

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/nexogo/nexo/ws"
)

// TestOnDrainNotConcurrent: OnDrain is never called while a call of it
// is running: a drain that comes meanwhile (the client read a second
// burst while the first call still runs) calls it again once it returns.
func TestOnDrainNotConcurrent(t *testing.T) {
	const chunk, mark = 32 << 10, 128 << 10
	var calls, active atomic.Int32
	var overlap atomic.Bool
	entered1, second, release := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	t.Cleanup(free)
	onDrain := func(c *ws.Conn) {
		if active.Add(1) > 1 {
			overlap.Store(true)
		}
		defer active.Add(-1)
		switch calls.Add(1) {
		case 1:
			close(entered1)
			<-release
		case 2:
			close(second)
		}
	}
	fill, sent := make(chan struct{}), make(chan int)
	s := stalledServer(t, func(c *ws.Conn) error {
		if err := c.Accept(); err != nil {
			return err
		}
		pm := ws.NewPreparedMessage(ws.BinaryMessage, make([]byte, chunk))
		for range fill {
			n := 0
			for c.BufferedAmount().Bytes <= mark {
				if err := c.SendPrepared(pm); err != nil {
					return err
				}
				n++
			}
			sent <- n
		}
		_, err := c.Receive()
		return err
	}, ws.WithSendQueueBytes(256<<10), ws.WithOnDrain(0, onDrain))
	cl := stalledDial(s)
	burst := func() {
		fill <- struct{}{}
		for range <-sent {
			cl.ReadBytes()
		}
	}
	burst()
	<-entered1
	burst() // drains while the first call runs
	burst() // written after the second drain was seen
	close(fill)
	free()
	<-second
	if overlap.Load() {
		t.Fatal("OnDrain called while a call of it was running")
	}
	cl.CloseNormal()
}
