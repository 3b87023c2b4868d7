package ws

import "errors"

// ErrDropMessage, returned by a MessageFilter, discards the message: the
// handler never sees it and the connection stays open.
var ErrDropMessage = errors.New("ws: message dropped")

// MessageFilter inspects every data message before the handler receives
// it, on the reading goroutine: rate limits, size rules, audits. It returns
// nil to pass the message on, ErrDropMessage to discard it, a *CloseError
// to close the connection with that code and reason, or another error,
// which the pending Receive returns (the message is consumed and the
// connection stays open).
type MessageFilter func(c *Conn, m Message) error

// WithMessageFilter adds a filter; filters run in the order added.
func WithMessageFilter(f MessageFilter) Option {
	return func(c *Config) {
		c.Filters = append(c.Filters[:len(c.Filters):len(c.Filters)], f)
	}
}

// filter runs the connection's filters on m. It reports whether m goes to
// the handler, and the error Receive returns instead.
func (c *Conn) filter(m Message) (bool, error) {
	for _, f := range c.cfg.Filters {
		err := f(c, m)
		if err == nil {
			continue
		}
		var ce *CloseError
		switch {
		case errors.Is(err, ErrDropMessage):
			return false, nil
		case errors.As(err, &ce):
			c.closeWith(ce.Code, ce.Reason, false)
			return false, nil
		default:
			return false, err
		}
	}
	return true, nil
}
