package metrics

import (
	"context"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
	"github.com/prometheus/client_golang/prometheus"
)

type descs struct {
	conns, opened                            *prometheus.Desc
	msgsIn, msgsOut, bytesIn, bytesOut, drop *prometheus.Desc
	slow, errors, panics                     *prometheus.Desc
	closes, refused, draining                *prometheus.Desc
	delivered, topics, reconnects, presence  *prometheus.Desc
}

func newDescs(ns string) descs {
	name := func(sub, n string) string { return prometheus.BuildFQName(ns, sub, n) }
	route := []string{"route"}
	return descs{
		conns:      prometheus.NewDesc(name("ws", "connections"), "Open WebSocket connections (handshake completed), by route pattern.", route, nil),
		opened:     prometheus.NewDesc(name("ws", "connections_opened_total"), "Completed WebSocket handshakes, by route pattern.", route, nil),
		msgsIn:     prometheus.NewDesc(name("ws", "messages_received_total"), "Data messages received, by route pattern.", route, nil),
		msgsOut:    prometheus.NewDesc(name("ws", "messages_sent_total"), "Data messages sent, by route pattern.", route, nil),
		bytesIn:    prometheus.NewDesc(name("ws", "received_bytes_total"), "Payload bytes received, by route pattern.", route, nil),
		bytesOut:   prometheus.NewDesc(name("ws", "sent_bytes_total"), "Payload bytes sent, by route pattern.", route, nil),
		drop:       prometheus.NewDesc(name("ws", "send_dropped_total"), "Sends refused because the send queue was full (SlowConsumerDrop, SlowConsumerBlock), by route pattern.", route, nil),
		slow:       prometheus.NewDesc(name("ws", "slow_consumers_total"), "Connections closed because their send queue was full, by route pattern.", route, nil),
		errors:     prometheus.NewDesc(name("ws", "handler_errors_total"), "WebSocket handlers that returned an error, by route pattern.", route, nil),
		panics:     prometheus.NewDesc(name("ws", "handler_panics_total"), "WebSocket handlers that panicked, by route pattern.", route, nil),
		closes:     prometheus.NewDesc(name("ws", "closes_total"), "Ended WebSocket connections, by close code (\"other\" for codes outside the known list).", []string{"code"}, nil),
		refused:    prometheus.NewDesc(name("ws", "handshakes_refused_total"), "Upgrade requests not served, by reason.", []string{"reason"}, nil),
		draining:   prometheus.NewDesc(name("ws", "draining"), "1 once the App's shutdown has started, else 0.", nil, nil),
		delivered:  prometheus.NewDesc(name("broker", "messages_delivered_total"), "Messages handed by the broker to local subscribers.", nil, nil),
		topics:     prometheus.NewDesc(name("broker", "topics"), "Topics with at least one local subscriber.", nil, nil),
		reconnects: prometheus.NewDesc(name("broker", "reconnects_total"), "Times the broker's connection was re-established.", nil, nil),
		presence:   prometheus.NewDesc(name("presence", "members"), "Presence entries of a watched topic, on every instance.", []string{"topic"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	d := m.descs
	for _, x := range []*prometheus.Desc{
		d.conns, d.opened, d.msgsIn, d.msgsOut, d.bytesIn, d.bytesOut, d.drop,
		d.slow, d.errors, d.panics, d.closes, d.refused, d.draining,
		d.delivered, d.topics, d.reconnects, d.presence,
	} {
		ch <- x
	}
	m.publish.Describe(ch)
	m.publishErrs.Describe(ch)
}

// Collect implements prometheus.Collector. It reads the live connections'
// counters, the App and the broker at the time of the scrape.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	m.collectConns(ch)
	m.collectBroker(ch)
	if app := m.app.Load(); app != nil {
		v := 0.0
		if app.WS().Draining() {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(m.descs.draining, prometheus.GaugeValue, v)
	}
}

func (m *Metrics) collectConns(ch chan<- prometheus.Metric) {
	type figures struct {
		open  int
		stats ws.Stats
		rc    routeCounts
	}
	m.mu.Lock()
	byRoute := make(map[string]*figures, len(m.routes))
	get := func(route string) *figures {
		f := byRoute[route]
		if f == nil {
			f = new(figures)
			byRoute[route] = f
		}
		return f
	}
	for route, rc := range m.routes {
		f := get(route)
		f.rc = *rc
		f.stats = rc.closed
	}
	for c, route := range m.live {
		f := get(route)
		f.open++
		st := c.Stats()
		f.stats.MessagesIn += st.MessagesIn
		f.stats.MessagesOut += st.MessagesOut
		f.stats.BytesIn += st.BytesIn
		f.stats.BytesOut += st.BytesOut
		f.stats.Dropped += st.Dropped
	}
	closes := make(map[string]uint64, len(m.closes))
	for k, v := range m.closes {
		closes[k] = v
	}
	refused := make(map[string]uint64, len(m.refused))
	for k, v := range m.refused {
		refused[k] = v
	}
	m.mu.Unlock()

	d := m.descs
	counter := func(desc *prometheus.Desc, v uint64, label string) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, float64(v), label)
	}
	for route, f := range byRoute {
		ch <- prometheus.MustNewConstMetric(d.conns, prometheus.GaugeValue, float64(f.open), route)
		counter(d.opened, f.rc.opened, route)
		counter(d.msgsIn, f.stats.MessagesIn, route)
		counter(d.msgsOut, f.stats.MessagesOut, route)
		counter(d.bytesIn, f.stats.BytesIn, route)
		counter(d.bytesOut, f.stats.BytesOut, route)
		counter(d.drop, f.stats.Dropped, route)
		counter(d.slow, f.rc.slow, route)
		counter(d.errors, f.rc.errors, route)
		counter(d.panics, f.rc.panics, route)
	}
	for code, v := range closes {
		counter(d.closes, v, code)
	}
	for reason, v := range refused {
		counter(d.refused, v, reason)
	}
}

// Broker capabilities read at scrape time.
type (
	reconnecter  interface{ Reconnects() uint64 }
	channelCount interface{ ChannelCount() int }
	unwrapper    interface{ Unwrap() channels.Broker }
)

// find returns the first broker of b's decorator chain (b, b.Unwrap(), ...)
// that is a T.
func find[T any](b channels.Broker) (T, bool) {
	for range 16 { // decorator chains are short; a cycle must not hang a scrape
		if t, ok := b.(T); ok {
			return t, true
		}
		u, ok := b.(unwrapper)
		if !ok {
			break
		}
		b = u.Unwrap()
		if b == nil {
			break
		}
	}
	var zero T
	return zero, false
}

// sources returns the brokers to read figures from: those wrapped by
// Broker, or else the attached App's.
func (m *Metrics) sources() []channels.Broker {
	m.mu.Lock()
	bs := append([]channels.Broker(nil), m.brokers...)
	m.mu.Unlock()
	if len(bs) == 0 {
		if app := m.app.Load(); app != nil && app.Broker() != nil {
			bs = append(bs, app.Broker())
		}
	}
	return bs
}

func (m *Metrics) collectBroker(ch chan<- prometheus.Metric) {
	d := m.descs
	m.publish.Collect(ch)
	m.publishErrs.Collect(ch)
	if m.deliveredSet.Load() {
		ch <- prometheus.MustNewConstMetric(d.delivered, prometheus.CounterValue, float64(m.delivered.Load()))
	}
	var (
		reconnects, topics    float64
		haveRecon, haveTopics bool
		presence              channels.Presence
	)
	for _, b := range m.sources() {
		if r, ok := find[reconnecter](b); ok {
			reconnects += float64(r.Reconnects())
			haveRecon = true
		}
		if c, ok := find[channelCount](b); ok {
			topics += float64(c.ChannelCount())
			haveTopics = true
		}
		if pb, ok := find[channels.PresenceBroker](b); ok && presence == nil {
			presence = pb.Presence()
		}
	}
	if haveRecon {
		ch <- prometheus.MustNewConstMetric(d.reconnects, prometheus.CounterValue, reconnects)
	}
	if haveTopics {
		ch <- prometheus.MustNewConstMetric(d.topics, prometheus.GaugeValue, topics)
	}
	if presence == nil || len(m.cfg.presenceTopics) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), m.cfg.presenceTimeout)
	defer cancel()
	for _, topic := range m.cfg.presenceTopics {
		entries, err := presence.List(ctx, topic)
		if err != nil {
			continue // the series is absent from this scrape; the others stay
		}
		ch <- prometheus.MustNewConstMetric(d.presence, prometheus.GaugeValue, float64(len(entries)), topic)
	}
}
