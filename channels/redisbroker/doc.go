// Package redisbroker is a channels.Broker on Redis, for nexo instances
// that share messages and presence through a Redis server.
//
//	b, err := redisbroker.Open(ctx, "redis://127.0.0.1:6379")
//	app := nexo.New(nexo.WithBroker(b))
//
// or, without code, NEXO_BROKER=redis and NEXO_REDIS_URL, once the
// program imports this package, which registers it with nexo (the
// database/sql driver pattern: a program that does not import it does not
// link the Redis client):
//
//	import _ "github.com/nexogo/nexo/channels/redisbroker"
//
// # Messages
//
// Each topic is one Redis pub/sub channel, the prefix followed by the
// topic ("nexo:room:1"). An instance holds one SUBSCRIBE per topic however
// many of its connections joined it: channels.Local counts them, the first
// subscriber sends SUBSCRIBE, the last one's leaving sends UNSUBSCRIBE, and
// a message is decoded once and handed to every local subscriber. There is
// no PSUBSCRIBE: an instance receives only the topics it has subscribers
// for. All subscriptions share one connection; publishes use the client's
// pool.
//
// Subscribe returns once the server confirmed the SUBSCRIBE, so a message
// published after it returns reaches the subscriber. Publish returns once
// the server answered; it is never retried (go-redis MaxRetries -1), so a
// message is delivered at most once, and an error means it may not have
// been delivered. While the server is away Publish fails at once.
//
// # Reconnection
//
// New sends a PING: a wrong URL or a server that is down is an error
// there, not a silent broker. Afterwards, a broken subscription connection
// is dialled again, with a backoff from 100 ms to 2 s, and every topic is
// subscribed again; Reconnects counts the recoveries. A connection that
// stays silent gets a PING every 5 s, and is replaced when the PING is not
// answered. Messages published while the subscription was down are not
// delivered (Redis pub/sub keeps nothing).
//
// # Presence
//
// Presence entries live in one hash per topic, <prefix>presence:<topic>,
// field the connection ID, value the entry as JSON with the key of its
// instance's lease. The lease, <prefix>lease:<instance>:<nonce>, expires
// after WithLease (15 s by default) unless renewed, which happens every
// third of it. List drops, and deletes, the entries of an instance whose
// lease expired (it crashed): no ghost stays longer than one lease. Every
// instance also lists every topic with entries (the set
// <prefix>presence-topics, so nothing scans the keyspace) every half
// lease; the one whose conditional delete removes a dead entry announces
// its leave on channels.PresenceTopic, once, within one and a half
// leases. An
// instance whose lease expired while it lived (a long outage, or a Redis
// restart without persistence) takes it again and writes its entries
// again. Close deletes the instance's entries and lease.
//
// List returns entries in the order Redis took their first Join: the
// script that stores an entry gives it its place, from the server's
// clock made strictly increasing (<prefix>presence-seq holds the last),
// so the clocks of the instances do not matter and every instance lists
// a topic in the same order.
package redisbroker
