// Package metrics exports a nexo App's figures to Prometheus
// (github.com/prometheus/client_golang). It is a package of its own so that
// the core module's packages never import Prometheus.
//
// One option of nexo.New wires everything below and serves the exposition:
//
//	app := nexo.New(metrics.Expose("/metrics"))
//
// By hand, to keep the *Metrics (to observe groups, or add collectors):
//
//	m := metrics.New()
//	app := nexo.New(
//		nexo.WithWS(ws.WithObserver(m)),           // connection events
//		nexo.WithBroker(m.Broker(broker)),         // optional: publish timing (broker from redisbroker.Open, natsbroker.New...)
//	)
//	m.Attach(app)                                  // optional: draining, broker figures
//	app.Handle("/metrics", m.Handler())
//
// A *Metrics is four things at once:
//
//   - a ws.Observer: it learns of every connection that opens, closes,
//     fails, is refused or is closed as a slow consumer;
//   - a broker decorator (Broker): it times every publish, counts failed
//     publishes and every message handed to a local subscriber;
//   - a channels.GroupObserver: it counts every send to a group observed
//     with g.Observe(m) or channels.WithGroupObserver(m), and the members
//     each reached (group names are never labels);
//   - a prometheus.Collector: the connection gauges and the traffic
//     counters are computed when Prometheus scrapes, from the live
//     connections' ws.Conn.Stats and the final counts of the connections
//     that have closed, so sending and receiving messages costs nothing
//     more than the counters ws keeps anyway.
//
// Handler serves the exposition from a registry of its own (never the
// global default registry), which also holds the Go runtime and process
// collectors. Registry returns it, to add collectors of the application.
//
// # Labels
//
// Every label is bounded: route is the route pattern of the connection
// ("/chat/{room}", never the requested path), code is a close code from a
// fixed list (anything else is "other", so that a peer cannot invent
// series; "none" when no close code is known), reason is one of the ws.Observer refusal reasons, and topic
// appears only for presence topics named with WithPresenceTopics. No metric
// carries a connection ID, a user or a raw path.
//
// # Metrics
//
// With the default namespace "nexo":
//
//	nexo_ws_connections{route}                    gauge    open (accepted) connections
//	nexo_ws_connections_opened_total{route}       counter  completed handshakes
//	nexo_ws_messages_received_total{route}        counter  data messages read
//	nexo_ws_messages_sent_total{route}            counter  data messages written
//	nexo_ws_received_bytes_total{route}           counter  payload bytes read
//	nexo_ws_sent_bytes_total{route}               counter  payload bytes written
//	nexo_ws_send_dropped_total{route}             counter  sends refused by a full queue (SlowConsumerDrop, SlowConsumerBlock)
//	nexo_ws_slow_consumers_total{route}           counter  connections closed with 1013, queue full
//	nexo_ws_handler_errors_total{route}           counter  handlers that returned an error
//	nexo_ws_handler_panics_total{route}           counter  handlers that panicked
//	nexo_ws_closes_total{code}                    counter  ended connections by close code
//	nexo_ws_handshakes_refused_total{reason}      counter  upgrade requests not served
//	nexo_ws_draining                              gauge    1 once Shutdown started (Attach)
//	nexo_broker_publish_duration_seconds          histogram  Publish latency (Broker)
//	nexo_broker_publish_errors_total              counter  failed publishes (Broker)
//	nexo_broker_messages_delivered_total          counter  messages handed to local subscribers (Broker)
//	nexo_broker_topics                            gauge    topics with local subscribers
//	nexo_broker_reconnects_total                  counter  broker reconnections
//	nexo_group_sends_total                        counter  sends to observed channel groups (GroupSent)
//	nexo_group_deliveries_total                   counter  members a group send was queued for
//	nexo_group_send_failures_total                counter  members a group send was not queued for
//	nexo_presence_members{topic}                  gauge    presence entries (WithPresenceTopics)
//
// The broker_topics and broker_reconnects figures are read from the broker
// when it has the methods ChannelCount() int and Reconnects() uint64 (the
// in-process, Redis and NATS brokers have ChannelCount, the Redis and NATS
// brokers Reconnects); a broker without them leaves the metric out rather
// than report a zero it does not know. Decorators are looked through with an
// Unwrap() channels.Broker method.
//
// # Concurrency
//
// A *Metrics is safe for concurrent use. The observer methods take one
// mutex for a few map updates; a scrape holds the same mutex while it reads
// the counters of every live connection (atomic loads), so that a
// connection moving from live to closed is counted exactly once and no
// counter ever goes backwards.
//
// # Security
//
// The exposition reveals route patterns, traffic volumes and the presence
// counts of watched topics. Serve it on an internal listener or behind
// authentication, not on the public port without protection.
package metrics
