// Package binsize holds the tests that keep nexo's cost to a program in
// check: the README's quick start must not link the Redis or NATS clients
// nor Prometheus (they come with the import of channels/redisbroker,
// channels/natsbroker or metrics), and its binary must stay within
// MaxRatio of the same program written on chi, gorilla/websocket and
// validator v10 alone.
package binsize

// MaxRatio bounds the size of the quick start's binary over the
// baseline's.
const MaxRatio = 1.3
