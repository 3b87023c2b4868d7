package metrics

import (
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// DefaultNamespace prefixes every metric name unless WithNamespace says
// otherwise.
const DefaultNamespace = "nexo"

// DefaultPresenceTimeout bounds the presence look-ups of one scrape.
const DefaultPresenceTimeout = time.Second

// UnknownRoute is the route label of a connection whose request carries no
// route pattern (served by a ws.Server outside any router).
const UnknownRoute = "unknown"

// OtherLabel is the code or reason label of a close code or refusal reason
// outside the known lists.
const OtherLabel = "other"

// Metrics collects a nexo App's figures for Prometheus. See the package
// documentation for how to wire it and what it exports.
//
// A Metrics is safe for concurrent use. The zero Metrics is not usable;
// call New.
type Metrics struct {
	cfg   config
	reg   *prometheus.Registry
	descs descs

	publish      prometheus.Histogram
	publishErrs  prometheus.Counter
	groups       groupCounts
	delivered    atomic.Uint64
	deliveredSet atomic.Bool // a broker was wrapped: the counter is meaningful

	app atomic.Pointer[nexo.App]

	mu      sync.Mutex
	live    map[*ws.Conn]string // open connection -> route label
	routes  map[string]*routeCounts
	closes  map[string]uint64 // code label -> count
	refused map[string]uint64 // reason label -> count
	brokers []channels.Broker // wrapped by Broker
}

// routeCounts holds the counters of one route: events, and the final
// traffic of the connections that have closed.
type routeCounts struct {
	opened, slow, errors, panics uint64
	closed                       ws.Stats
}

var (
	_ ws.Observer          = (*Metrics)(nil)
	_ prometheus.Collector = (*Metrics)(nil)
)

// Option configures New.
type Option func(*config)

type config struct {
	namespace       string
	buckets         []float64
	closeCodes      map[int]bool
	presenceTopics  []string
	presenceTimeout time.Duration
	noRuntime       bool
}

// WithNamespace replaces the "nexo" prefix of every metric name.
func WithNamespace(ns string) Option { return func(c *config) { c.namespace = ns } }

// WithPublishBuckets sets the buckets, in seconds, of the publish latency
// histogram (default prometheus.DefBuckets).
func WithPublishBuckets(b ...float64) Option { return func(c *config) { c.buckets = b } }

// WithCloseCodes adds close codes of the application (4000 to 4999) that
// get a code label of their own; any code not known is counted as "other".
func WithCloseCodes(codes ...int) Option {
	return func(c *config) {
		for _, code := range codes {
			c.closeCodes[code] = true
		}
	}
}

// WithPresenceTopics reports nexo_presence_members for these topics,
// read from the broker's presence at each scrape (bounded by
// DefaultPresenceTimeout). List only topics whose number is bounded: each
// one is a series.
func WithPresenceTopics(topics ...string) Option {
	return func(c *config) {
		for _, t := range topics {
			if !slices.Contains(c.presenceTopics, t) {
				c.presenceTopics = append(c.presenceTopics, t)
			}
		}
	}
}

// WithoutRuntimeMetrics leaves the Go runtime and process collectors out of
// the registry Handler serves.
func WithoutRuntimeMetrics() Option { return func(c *config) { c.noRuntime = true } }

// knownCloseCodes returns the codes that get a label of their own: RFC
// 6455's and nexo's.
func knownCloseCodes() []int {
	return []int{
		1000, 1001, 1002, 1003, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 1015,
		ws.CloseHeartbeat, ws.CloseUnauthorized, ws.CloseForbidden, ws.CloseRateLimited,
	}
}

// knownReason reports whether reason is one of those ws.Observer.Refused is
// documented to give.
func knownReason(reason string) bool {
	switch reason {
	case ws.RefusedNotWebSocket, ws.RefusedBadRequest, ws.RefusedDraining, ws.RefusedLimit,
		ws.RefusedOrigin, ws.RefusedRejected, ws.RefusedHandshake, ws.RefusedTimeout, ws.RefusedAbandoned:
		return true
	}
	return false
}

// New returns a Metrics with its own registry, in which it is registered
// along with the Go runtime and process collectors.
func New(opts ...Option) *Metrics {
	cfg := config{
		namespace:       DefaultNamespace,
		buckets:         prometheus.DefBuckets,
		closeCodes:      make(map[int]bool),
		presenceTimeout: DefaultPresenceTimeout,
	}
	for _, code := range knownCloseCodes() {
		cfg.closeCodes[code] = true
	}
	for _, o := range opts {
		o(&cfg)
	}
	m := &Metrics{
		cfg:     cfg,
		reg:     prometheus.NewRegistry(),
		descs:   newDescs(cfg.namespace),
		live:    make(map[*ws.Conn]string),
		routes:  make(map[string]*routeCounts),
		closes:  make(map[string]uint64),
		refused: make(map[string]uint64),
	}
	m.publish = prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: cfg.namespace, Subsystem: "broker", Name: "publish_duration_seconds",
		Help:    "Time taken by broker publishes, failed ones included.",
		Buckets: cfg.buckets,
	})
	m.publishErrs = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: cfg.namespace, Subsystem: "broker", Name: "publish_errors_total",
		Help: "Broker publishes that returned an error.",
	})
	m.groups = newGroupCounts(cfg.namespace)
	m.reg.MustRegister(m)
	m.reg.MustRegister(m.groups.collectors()...)
	if !cfg.noRuntime {
		m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	return m
}

// Handler returns the handler of the Prometheus exposition of the Metrics'
// own registry: app.Handle("/metrics", m.Handler()).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Registry returns the registry Handler serves, to register the
// application's own collectors in it.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Attach makes the Metrics read figures from app at scrape time: whether it
// is draining, and the topic count, reconnections and presence of its
// broker (when no broker was wrapped with Broker). The connection metrics
// need the observer instead: nexo.WithWS(ws.WithObserver(m)). Attaching
// another App replaces the first.
func (m *Metrics) Attach(app *nexo.App) { m.app.Store(app) }

// routeOf is the bounded route label of a connection.
func routeOf(c *ws.Conn) string {
	if r := c.Request(); r != nil && r.Pattern != "" {
		return r.Pattern
	}
	return UnknownRoute
}

// codeLabel is the bounded label of a close code.
func (m *Metrics) codeLabel(code int) string {
	if m.cfg.closeCodes[code] {
		return strconv.Itoa(code)
	}
	return OtherLabel
}

// route returns the counters of a route; m.mu is held.
func (m *Metrics) route(label string) *routeCounts {
	rc := m.routes[label]
	if rc == nil {
		rc = new(routeCounts)
		m.routes[label] = rc
	}
	return rc
}
