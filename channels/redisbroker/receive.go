package redisbroker

import (
	"errors"
	"math/rand/v2"
	"net"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// receive reads the subscription connection until Close, delivering each
// message to the local subscribers of its topic, in order.
//
// go-redis re-dials a broken subscription connection and subscribes every
// channel again on the next read; receive waits between failed attempts
// (backoff) and counts the recoveries. A connection silent for the idle
// period gets a PING; one that does not answer within another period is
// replaced, since a half-open TCP connection would otherwise never fail.
func (b *Broker) receive() {
	failures := 0
	pinged := false
	for {
		ps := b.ps.Load()
		msg, err := ps.ReceiveTimeout(b.ctx, b.cfg.idle)
		if b.ctx.Err() != nil {
			return
		}
		switch {
		case err == nil:
			pinged = false
			b.recovered(&failures)
			b.handle(msg)
		case isTimeout(err):
			b.recovered(&failures)
			if pinged {
				b.cfg.logger.Warn("redisbroker: no answer to PING; replacing the subscription connection")
				b.replace()
				pinged = false
				failures++
				continue
			}
			pinged = ps.Ping(b.ctx) == nil
		default:
			pinged = false
			if failures == 0 {
				b.cfg.logger.Warn("redisbroker: subscription connection lost, reconnecting", "err", err)
			}
			failures++
			b.forgetUnsubscribes()
			if !b.sleep(backoff(failures)) {
				return
			}
		}
	}
}

// recovered counts a reconnection when the connection works again after
// failures.
func (b *Broker) recovered(failures *int) {
	if *failures == 0 {
		return
	}
	*failures = 0
	n := b.reconnects.Add(1)
	b.cfg.logger.Info("redisbroker: reconnected; subscriptions restored", "topics", b.local.Len(), "reconnects", n)
}

// sleep waits d or until Close, and reports whether the broker is still
// open.
func (b *Broker) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-b.ctx.Done():
		return false
	}
}

// handle delivers a message, or records a subscription's confirmation.
func (b *Broker) handle(msg any) {
	switch m := msg.(type) {
	case *redis.Message:
		topic, ok := strings.CutPrefix(m.Channel, b.cfg.prefix)
		if !ok || !b.live(topic) {
			return
		}
		cm, err := decode(topic, []byte(m.Payload))
		if err != nil {
			b.cfg.logger.Warn("redisbroker: dropped a malformed message", "topic", topic, "err", err)
			return
		}
		b.deliver(cm)
	case *redis.Subscription:
		topic, ok := strings.CutPrefix(m.Channel, b.cfg.prefix)
		if !ok {
			return
		}
		resumed := false
		b.subsMu.Lock()
		defer func() {
			b.subsMu.Unlock()
			if resumed {
				b.resume(topic) // history: what was published while away
			}
		}()
		switch m.Kind {
		case "subscribe":
			// The confirmation of an earlier subscription of the topic,
			// one that has been unsubscribed since, is not ours.
			if b.unsubs[topic] > 0 {
				return
			}
			up := b.subs[topic]
			if up != nil && !up.confirmed {
				up.confirmed = true
				close(up.ready)
			} else if up != nil {
				resumed = true // subscribed again after a reconnection
			}
		case "unsubscribe":
			b.unsubscribed(topic)
		}
	}
}

// live reports whether a message on topic is for the current subscription:
// the topic is subscribed and confirmed, and no UNSUBSCRIBE of an earlier
// subscription is still in flight (its messages are older than the current
// subscribers).
func (b *Broker) live(topic string) bool {
	b.subsMu.Lock()
	defer b.subsMu.Unlock()
	up := b.subs[topic]
	return up != nil && up.confirmed && b.unsubs[topic] == 0
}

// forgetUnsubscribes drops the count of unconfirmed UNSUBSCRIBEs: their
// connection is gone, and the new one was subscribed afresh.
func (b *Broker) forgetUnsubscribes() {
	b.subsMu.Lock()
	clear(b.unsubs)
	b.subsMu.Unlock()
}

// replace swaps the subscription connection for a new one that subscribes
// every topic again.
func (b *Broker) replace() {
	b.cmdMu.Lock()
	defer b.cmdMu.Unlock()
	if b.closed.Load() {
		return
	}
	old := b.ps.Load()
	ps := b.rc.Subscribe(b.ctx)
	if topics := b.local.Topics(); len(topics) > 0 {
		chans := make([]string, len(topics))
		for i, t := range topics {
			chans[i] = b.Channel(t)
		}
		// An error here is retried by the next read, which dials again.
		ps.Subscribe(b.ctx, chans...)
	}
	b.ps.Store(ps)
	b.forgetUnsubscribes()
	old.Close()
}

// isTimeout reports whether err is a read deadline: the connection is up
// and silent.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// backoff is the wait after the attempt-th failure in a row: 100 ms
// doubling to 2 s, with up to 20% jitter.
func backoff(attempt int) time.Duration {
	d := maxBackoff
	if attempt < 6 {
		d = min(d, minBackoff<<(attempt-1))
	}
	return d + rand.N(d/5+1)
}
