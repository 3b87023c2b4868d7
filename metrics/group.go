package metrics

import (
	"github.com/nexogo/nexo/channels"
	"github.com/prometheus/client_golang/prometheus"
)

// groupCounts are the totals of the group sends m observes.
type groupCounts struct {
	sends, reached, failed prometheus.Counter
}

var _ channels.GroupObserver = (*Metrics)(nil)

// GroupSent implements channels.GroupObserver: it counts the send, the
// members it was queued for and those it was not. Observe a group with
// g.Observe(m), or every group of a registry with
// channels.NewRegistry(channels.WithGroupObserver(m)). Group names are not
// labels: they are as unbounded as topics.
func (m *Metrics) GroupSent(_ *channels.Group, reached, failed int) {
	m.groups.sends.Inc()
	m.groups.reached.Add(float64(reached))
	m.groups.failed.Add(float64(failed))
}

// newGroupCounts makes the group counters, named under ns.
func newGroupCounts(ns string) groupCounts {
	c := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: "group", Name: name, Help: help})
	}
	return groupCounts{
		sends:   c("sends_total", "Sends to observed channel groups."),
		reached: c("deliveries_total", "Members a group send was queued for."),
		failed:  c("send_failures_total", "Members a group send was not queued for (payload type, full queue, ended connection)."),
	}
}

// collectors returns the counters, for registration.
func (g groupCounts) collectors() []prometheus.Collector {
	return []prometheus.Collector{g.sends, g.reached, g.failed}
}
