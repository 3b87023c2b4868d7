// Package natsbroker is a channels.Broker, with presence, on NATS
// (github.com/nats-io/nats.go): run several nexo instances behind a load
// balancer and a message published on any of them reaches the subscribers
// of every one.
//
//	b, err := natsbroker.New(ctx, natsbroker.WithURL("nats://127.0.0.1:4222"))
//	if err != nil {
//		return err // the server cannot be reached: fail at start-up
//	}
//	defer b.Close()
//	app := nexo.New(nexo.WithBroker(b))
//
// or, without code, NEXO_BROKER=nats and NEXO_NATS_URL, once the program
// imports this package, which registers it with nexo (the database/sql
// driver pattern: a program that does not import it does not link the
// NATS client):
//
//	import _ "github.com/nexogo/nexo/channels/natsbroker"
//
// # Subjects and buckets
//
// Each topic is one core NATS subject: the prefix (WithPrefix, default
// "nexo:"; one trailing ':' or '.' is a separator and dropped), a dot,
// and the topic as one subject token. A topic made only of [A-Za-z0-9_-]
// is its own token; any other, the empty topic included, is "=" followed
// by its unpadded base64url encoding ("room:1" -> "nexo.=cm9vbTox"). The
// mapping is deterministic and injective, so two topics never share a
// subject, and wildcards or dots in a topic mean nothing to NATS.
// Broker.Subject tells the subject of a topic.
//
// An instance holds one NATS subscription per topic, however many local
// subscribers the topic has (channels.Local counts them); the last one's
// leaving unsubscribes. Subscribe returns once the server has confirmed
// the subscription (a flush), so a message published after it returns is
// delivered.
//
// # Delivery guarantee
//
// Within a healthy connection every message reaches each subscriber once,
// in publish order per publishing Broker (one connection, one ordered
// stream; nats.go calls each subscription's handler from one goroutine).
//
// Across an outage the guarantee is at-most-once. Core NATS keeps nothing
// for a disconnected subscriber: what is published while an instance is
// away is not delivered to it later. New sets nats.ReconnectBufSize(-1),
// so a Publish made while this instance is disconnected returns an error
// at once instead of being buffered and maybe lost; a message written in
// the instant the TCP connection breaks, before nats.go has noticed, can
// still be lost after Publish returned nil. WithConfirmedPublish closes
// that gap at the cost of one round trip per Publish. A subscriber whose
// handler falls far behind (it never does here: delivery only queues) is
// a NATS slow consumer; its dropped messages are logged.
//
// # Reconnection
//
// A server that cannot be reached in New is an error. After that the
// connection reconnects forever (nats.MaxReconnects(-1)), waiting 100 ms
// after the first failed round over the servers, doubling to 2 s, with
// jitter; disconnects and reconnects are logged, Broker.Reconnects counts
// them, and nats.go restores every subscription itself. A dead but
// unclosed TCP connection is noticed within 30 s (pings every 10 s, three
// outstanding).
//
// # Presence
//
// Presence lives in two JetStream key-value buckets named from the prefix
// ("nexo_presence" and "nexo_instances" by default; a prefix outside
// [A-Za-z0-9_-] is base64url-encoded behind "B64_"):
//
//   - <prefix>_presence, history 1: key token(topic) "." token(connID),
//     value the channels.PresenceEntry as JSON, Instance set to this
//     instance (WithInstanceID, default a random UUID), plus "lease": the
//     key of the lease it lives by.
//   - <prefix>_instances, history 1, TTL (the stream's MaxAge) = the lease
//     (WithLease, default 15 s): one key per running broker,
//     token(instanceID) "." a nonce of the process, rewritten every third
//     of the lease by a goroutine of the Broker. The nonce keeps an
//     instance restarted under the same ID from reviving the entries of
//     its previous run.
//
// List reads the topic's entries, keeps those whose instance holds a
// lease and deletes the others (conditionally on their revision, so an
// entry written again meanwhile stays), so the entries of a crashed instance
// vanish within one lease without anyone cleaning up (NATS 2.9.10
// expires a message within a few milliseconds of its MaxAge). Every
// instance also lists every topic with entries every half lease, and the
// instance whose conditional delete removes a dead entry announces its
// leave on channels.PresenceTopic, so each is announced once, within one
// and a half leases of the crash. Leave and Close purge the keys they remove, leaving no
// tombstone; Close also purges the lease (when the server is away it
// logs that and leaves the entries to expire with the lease). An instance that lost the
// server for longer than its lease takes its lease again on reconnecting
// and rewrites its entries, announcing the join of each that another
// instance had removed (and announced as left) meanwhile. A Leave that fails (the server is away)
// returns its error and is retried in the background, every third of the
// lease and at most a second apart, until the purge succeeds; the leave
// is then announced. A member who leaves during an outage is thus gone
// within a second or so of the server's return (332 ms in
// TestLeaveDuringOutageLeavesNoGhost), not left as a ghost under the
// instance's live lease.
//
// Lists of one topic on one instance are coalesced: at most one reads
// the bucket at a time, and the calls made meanwhile share the next
// read, which begins after each of them, so every caller still sees every
// join and leave that returned before its call. Presence and leases use a
// NATS connection of their own, and the lease a third (unless WithConn
// gave one connection for all), so that lease renewals never wait behind
// the messages of a busy connection nor behind the entries lists read. At 2,000
// joins at 200 a second over three instances and three rooms (each join
// subscribes, records, announces and lists the room, as examples/chat
// does) no join fails, a join takes 49–112 ms at the median and
// 0.2–2.9 s at p99 (the higher figures with the shared 2-core machine
// at a load average of 30), and no lease goes unrenewed for more than one
// renewal period and a fraction (1.05–1.5 s with a 3 s lease, 1.95 s with
// 5 s) (TestJoinsUnderLoad with NEXO_JOIN_LOAD=2000; one consumer per
// call had 676 joins fail and a 3 s lease unrenewed for 21 s). Under a flood of 4 KiB messages on the broker's
// connection, a 1 s lease is renewed at most 0.44–0.78 s apart (3.1–4 s
// on one shared connection), a 2 s lease at most 1.5 s apart (2.8 s)
// (TestLeaseNotStarvedByPublishFlood). A renewal slowed down by load is
// given two renewal periods before it is abandoned.
//
// The bucket TTL is per bucket (per-key TTLs need NATS 2.11; this package
// works with 2.9): every instance of one prefix must use the same lease.
// An instance that finds the bucket with another TTL logs it and renews
// often enough for the shorter of the two. JetStream refuses a MaxAge
// below 100 ms; MinLease is 300 ms. A server without JetStream still
// carries messages; the Presence methods then return ErrNoJetStream.
//
// # Security
//
// A prefix separates applications that share a server; it is not a
// security boundary: any client of the same NATS account can read and
// publish on the subjects and buckets. Isolate with NATS accounts or
// subject permissions, and pass credentials and TLS with WithNATSOptions
// (or a configured WithConn). Passwords in the URL are redacted in the
// errors of New. Messages are decoded with channels.DecodeMessage; a
// malformed one is logged and dropped, never delivered.
//
// # Concurrency
//
// A Broker is safe for concurrent use. Deliver is called from nats.go's
// goroutine of the topic's subscription and must not block. Close waits
// for the broker's goroutines (lease, reap, leave retries, sweep, lists),
// unsubscribes, and drains then closes the two connections New made
// (WithConn leaves the caller's open).
package natsbroker
