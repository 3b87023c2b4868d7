package natsbroker

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// A listing reads the stored entries of a topic through a KV watch, an
// ordered push consumer. A watch made as the connection comes back from
// an outage can lose its flow: the consumer exists, but nothing is
// delivered, and the ordered consumer notices only after missed
// heartbeats, 5 s later, after the listing's own timeout. So a watch that
// delivers nothing for watchStall is abandoned and made again (until the
// caller's context ends): stored entries are pushed at once, one gap that
// long means a lost flow.

// watchStall is how long a watch may deliver nothing before it is made
// again.
const watchStall = time.Second

// errWatchStalled: a watch delivered nothing for watchStall.
var errWatchStalled = errors.New("natsbroker: presence watch delivered nothing")

// stored is a presence entry as read from the bucket.
type stored struct {
	key string
	rev uint64
	e   entry
}

// read returns the stored entries of topic, making the watch again when
// it stalls.
func (p *presence) read(ctx context.Context, topic string) ([]stored, error) {
	for {
		items, err := p.readOnce(ctx, topic)
		if !errors.Is(err, errWatchStalled) {
			return items, err
		}
		p.b.cfg.logger.Debug("natsbroker: a presence watch stalled; watching again", "topic", topic)
	}
}

// readOnce reads the stored entries of topic through one watch.
func (p *presence) readOnce(ctx context.Context, topic string) ([]stored, error) {
	w, err := p.kv.Watch(ctx, token(topic)+".*", jetstream.IgnoreDeletes())
	if err != nil {
		return nil, err
	}
	defer w.Stop()
	stall := time.NewTimer(watchStall)
	defer stall.Stop()
	var items []stored
	for {
		select {
		case kve, ok := <-w.Updates():
			if !ok || kve == nil {
				return items, nil
			}
			stall.Reset(watchStall)
			var e entry
			if err := json.Unmarshal(kve.Value(), &e); err != nil {
				p.b.cfg.logger.Warn("natsbroker: skipped a malformed presence entry", "key", kve.Key(), "err", err)
				continue
			}
			items = append(items, stored{kve.Key(), kve.Revision(), e})
		case <-stall.C:
			return nil, errWatchStalled
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}
