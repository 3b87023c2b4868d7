package main

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// figures are the totals the page plots, read from the metrics registry:
// the same series a Prometheus scrape of /metrics returns, summed over
// their labels.
type figures struct {
	goroutines, heapBytes, connections, messages, slowConsumers float64
}

// Metric names read by readFigures (the metrics package's default
// namespace, and the Go collector's).
const (
	mGoroutines    = "go_goroutines"
	mHeapBytes     = "go_memstats_heap_alloc_bytes"
	mConnections   = "nexo_ws_connections"
	mReceived      = "nexo_ws_messages_received_total"
	mSent          = "nexo_ws_messages_sent_total"
	mSlowConsumers = "nexo_ws_slow_consumers_total"
)

// readFigures gathers g once and sums the series the dashboard shows.
// The message counters leave out the route own: the samples the dashboard
// sends are not the traffic it reports.
func readFigures(g prometheus.Gatherer, own string) (figures, error) {
	fams, err := g.Gather()
	if err != nil {
		return figures{}, fmt.Errorf("dashboard: gather metrics: %w", err)
	}
	sums := make(map[string]float64, len(fams))
	for _, f := range fams {
		skip := ""
		if n := f.GetName(); n == mReceived || n == mSent {
			skip = own
		}
		sums[f.GetName()] = sum(f, skip)
	}
	return figures{
		goroutines:    sums[mGoroutines],
		heapBytes:     sums[mHeapBytes],
		connections:   sums[mConnections],
		messages:      sums[mReceived] + sums[mSent],
		slowConsumers: sums[mSlowConsumers],
	}, nil
}

// sum adds up the values of every series of a gauge or counter family,
// but those labelled route=skipRoute when skipRoute is not empty.
func sum(f *dto.MetricFamily, skipRoute string) float64 {
	var v float64
	for _, m := range f.GetMetric() {
		if skipRoute != "" && routeOf(m) == skipRoute {
			continue
		}
		switch {
		case m.Gauge != nil:
			v += m.Gauge.GetValue()
		case m.Counter != nil:
			v += m.Counter.GetValue()
		case m.Untyped != nil:
			v += m.Untyped.GetValue()
		}
	}
	return v
}

// routeOf is the value of m's route label, "" when it has none.
func routeOf(m *dto.Metric) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == "route" {
			return l.GetValue()
		}
	}
	return ""
}
