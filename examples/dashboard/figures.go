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
func readFigures(g prometheus.Gatherer) (figures, error) {
	fams, err := g.Gather()
	if err != nil {
		return figures{}, fmt.Errorf("dashboard: gather metrics: %w", err)
	}
	sums := make(map[string]float64, len(fams))
	for _, f := range fams {
		sums[f.GetName()] = sum(f)
	}
	return figures{
		goroutines:    sums[mGoroutines],
		heapBytes:     sums[mHeapBytes],
		connections:   sums[mConnections],
		messages:      sums[mReceived] + sums[mSent],
		slowConsumers: sums[mSlowConsumers],
	}, nil
}

// sum adds up the values of every series of a gauge or counter family.
func sum(f *dto.MetricFamily) float64 {
	var v float64
	for _, m := range f.GetMetric() {
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
