package channels

import (
	"encoding/json"
	"errors"

	"github.com/nexogo/nexo/ws"
)

// EventOutcome is how the dispatch of one event ended, as an EventObserver
// hears it.
type EventOutcome string

// The outcomes of an event dispatch.
const (
	// EventOK: the handler ran and returned no error.
	EventOK EventOutcome = "ok"
	// EventInvalid: the event's data could not be decoded into the
	// handler's type or failed its validation; the handler did not run.
	EventInvalid EventOutcome = "validation"
	// EventFailed: the handler returned an error.
	EventFailed EventOutcome = "error"
)

// EventObserver hears of every event an EventRouter hands to a registered
// handler (frames that cannot be parsed and unknown events are answered
// with an error frame and not observed). ObserveEvent is called before the
// event's data is decoded, on the dispatching goroutine; the function it
// returns (nil for none) is called once the handler has returned, before
// the reply is sent, with the outcome and the error (nil when ok). Both
// must return quickly. tracing.Tracer implements it.
type EventObserver interface {
	ObserveEvent(c *ws.Conn, event string) (done func(outcome EventOutcome, err error))
}

// eventObserver boxes an EventObserver for an atomic pointer.
type eventObserver struct{ o EventObserver }

// Observe makes o hear of every later dispatch of r; nil stops it. It is
// safe to call at any time, concurrently with dispatch.
func (r *EventRouter) Observe(o EventObserver) {
	if o == nil {
		r.obs.Store(nil)
		return
	}
	r.obs.Store(&eventObserver{o})
}

// observed returns h, wrapped so that r's observer hears of the dispatch
// of event when r has one.
func (r *EventRouter) observed(event string, h eventHandler) eventHandler {
	b := r.obs.Load()
	if b == nil {
		return h
	}
	return func(c *ws.Conn, data json.RawMessage) (any, error) {
		done := b.o.ObserveEvent(c, event)
		res, err := h(c, data)
		if done != nil {
			done(eventOutcome(err), err)
		}
		return res, err
	}
}

// eventOutcome classifies the result of an eventHandler.
func eventOutcome(err error) EventOutcome {
	var he *handlerError
	switch {
	case err == nil:
		return EventOK
	case errors.As(err, &he):
		return EventFailed
	default:
		return EventInvalid
	}
}
