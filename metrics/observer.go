package metrics

import (
	"net/http"

	"github.com/nexogo/nexo/ws"
)

// Opened implements ws.Observer: the connection counts as open on its
// route until Closed.
func (m *Metrics) Opened(c *ws.Conn) {
	route := routeOf(c)
	m.mu.Lock()
	m.live[c] = route
	m.route(route).opened++
	m.mu.Unlock()
}

// Refused implements ws.Observer: it counts the refusal by reason.
func (m *Metrics) Refused(_ *http.Request, reason string) {
	if !knownReason(reason) {
		reason = OtherLabel
	}
	m.mu.Lock()
	m.refused[reason]++
	m.mu.Unlock()
}

// Closed implements ws.Observer: the connection's final traffic moves from
// the live figures to its route's totals, and its close code is counted.
func (m *Metrics) Closed(c *ws.Conn, how *ws.CloseError) {
	code := "none"
	if how != nil {
		code = m.codeLabel(how.Code)
	}
	st := c.Stats()
	m.mu.Lock()
	route, ok := m.live[c]
	if !ok {
		route = routeOf(c)
	}
	delete(m.live, c)
	t := &m.route(route).closed
	t.MessagesIn += st.MessagesIn
	t.MessagesOut += st.MessagesOut
	t.BytesIn += st.BytesIn
	t.BytesOut += st.BytesOut
	t.Dropped += st.Dropped
	m.closes[code]++
	m.mu.Unlock()
}

// Failed implements ws.Observer: it counts handler errors and panics by
// route.
func (m *Metrics) Failed(c *ws.Conn, _ error, panicked bool) {
	route := routeOf(c)
	m.mu.Lock()
	if panicked {
		m.route(route).panics++
	} else {
		m.route(route).errors++
	}
	m.mu.Unlock()
}

// SlowConsumer implements ws.Observer: it counts connections closed because
// their send queue was full.
func (m *Metrics) SlowConsumer(c *ws.Conn) {
	route := routeOf(c)
	m.mu.Lock()
	m.route(route).slow++
	m.mu.Unlock()
}
