package natsbroker

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/internal/periodic"
)

// JetStream expires a history stream's messages at its MaxAge but keeps
// the stream itself, empty, forever: a stream for every topic ever used.
// Every broker whose policies bound the age of history therefore sweeps
// the streams of its prefix and deletes those that have held nothing for
// their MaxAge and have no consumer (no instance has a subscriber). A
// topic used again gets a new stream, a new epoch: a client's position in
// the old one is answered recovered:false, as it would be for messages
// that had expired.

// Bounds of the time between sweeps: half the shortest MaxAge, within
// these.
const (
	minSweepEvery = 250 * time.Millisecond
	maxSweepEvery = time.Minute
)

// sweepEvery returns how often to sweep for policies, or 0 when none
// bounds the age of history.
func sweepEvery(ps channels.HistoryPolicies) time.Duration {
	var shortest time.Duration
	for _, p := range ps {
		if p.MaxAge > 0 && (shortest == 0 || p.MaxAge < shortest) {
			shortest = p.MaxAge
		}
	}
	if shortest == 0 {
		return 0
	}
	return min(max(shortest/2, minSweepEvery), maxSweepEvery)
}

// sweep deletes the idle history streams every period until the broker
// closes.
func (b *Broker) sweep(every time.Duration) {
	periodic.Run(b.ctx, every, opTimeout, b.sweepOnce, func(err error) {
		b.cfg.logger.Warn("natsbroker: idle history streams not swept; retrying", "err", err)
	}, nil)
}

// sweepOnce deletes the history streams of this prefix that are idle.
func (b *Broker) sweepOnce(ctx context.Context) error {
	js, err := b.jetStream()
	if err != nil {
		return err
	}
	head := b.StreamName("")
	head = head[:strings.LastIndex(head, "_h_")+len("_h_")]
	cached := b.cachedStreams()
	streams := js.ListStreams(ctx, jetstream.WithStreamListSubject(b.names.subject+">"))
	var errs []error
	for info := range streams.Info() {
		if !strings.HasPrefix(info.Config.Name, head) || !idle(info) {
			continue
		}
		if err := js.DeleteStream(ctx, info.Config.Name); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
			errs = append(errs, err)
			continue
		}
		if topic, ok := cached[info.Config.Name]; ok {
			b.forgetStream(topic)
		}
	}
	if err := streams.Err(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// idle reports whether a history stream has held nothing for its MaxAge
// and nobody consumes it.
func idle(info *jetstream.StreamInfo) bool {
	st, maxAge := info.State, info.Config.MaxAge
	if maxAge <= 0 || st.Msgs > 0 || st.Consumers > 0 {
		return false
	}
	last := info.Created
	if st.LastTime.After(last) {
		last = st.LastTime
	}
	return time.Since(last) >= maxAge
}

// cachedStreams returns the topics of the cached streams by stream name.
func (b *Broker) cachedStreams() map[string]string {
	b.hist.mu.Lock()
	defer b.hist.mu.Unlock()
	out := make(map[string]string, len(b.hist.streams))
	for topic := range b.hist.streams {
		out[b.StreamName(topic)] = topic
	}
	return out
}
