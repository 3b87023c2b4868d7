package channels_test

import (
	"sync"
	"testing"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

// eventLog is an EventObserver that records what it hears.
type eventLog struct {
	mu  sync.Mutex
	got []string
}

func (l *eventLog) ObserveEvent(c *ws.Conn, event string) func(channels.EventOutcome, error) {
	return func(o channels.EventOutcome, err error) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.got = append(l.got, event+" "+string(o)+" "+errText(err))
	}
}

func (l *eventLog) lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.got...)
}

func errText(err error) string {
	if err == nil {
		return "-"
	}
	return "err"
}

// TestEventRouterObserve: the observer hears of every event handed to a
// handler, with its outcome; bad frames and unknown events are not
// observed.
func TestEventRouterObserve(t *testing.T) {
	r := chatRouter(discardLogger())
	var l eventLog
	r.Observe(&l)
	c := serve(t, r.Handler()).dial()
	for _, f := range []string{
		`{"event":"chat.send","data":{"room":"a","text":"hi"},"ref":1}`,
		`{"event":"chat.send","data":{"room":"a"},"ref":2}`,
		`{"event":"chat.send","data":{"room":7},"ref":3}`,
		`{"event":"chat.fail","ref":4}`,
		`{"event":"nope","ref":5}`,
		`{"event":`,
		`{"event":"chat.ack","ref":6}`,
	} {
		c.SendText(f)
		c.ReadText() // the reply or the error frame: dispatch has ended
	}
	want := []string{
		"chat.send ok -",
		"chat.send validation err",
		"chat.send validation err",
		"chat.fail error err",
		"chat.ack ok -",
	}
	got := l.lines()
	if len(got) != len(want) {
		t.Fatalf("observed %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("observed %q, want %q", got, want)
		}
	}
	r.Observe(nil)
	c.SendText(`{"event":"chat.ack","ref":7}`)
	c.ReadText()
	if n := len(l.lines()); n != len(want) {
		t.Fatalf("observed %d events after Observe(nil)", n)
	}
}
