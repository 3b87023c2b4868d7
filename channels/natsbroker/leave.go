package natsbroker

import (
	"context"
	"encoding/json"
	"time"

	"github.com/nexogo/nexo/internal/periodic"
)

// A leave that fails (the server is away) would leave the entry in the
// bucket under this instance's lease, which is renewed: a ghost for as
// long as the instance lives. Such leaves are kept and retried until
// their purge succeeds; then the leave is announced, since the caller's
// own announcement most likely failed with the purge. A join that fails
// is retried the same way, unannounced: its write may have reached the
// server, which stores it once it catches up. If the instance dies first,
// its lease expires and the reap removes the entry.

// leave is a failed leave waiting for its retry.
type leave struct {
	topic string
	val   []byte // the stored entry, for the announcement; nil: announce nothing
}

// maxLeaveRetry bounds the time between retries of failed leaves.
const maxLeaveRetry = time.Second

// retryLater records a failed leave of key k, unless the connection has
// joined the topic again meanwhile.
func (p *presence) retryLater(k string, l leave) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, rejoined := p.mine[k]; !rejoined {
		p.leaving[k] = l
	}
}

// retryLeaves retries the failed leaves every third of the lease (at most
// every second) until the broker closes.
func (p *presence) retryLeaves() {
	periodic.Run(p.b.ctx, min(p.every, maxLeaveRetry), opTimeout, p.retryLeavesOnce, func(err error) {
		p.b.cfg.logger.Warn("natsbroker: presence leaves not removed yet; retrying", "err", err)
	}, func() { p.b.cfg.logger.Info("natsbroker: presence leaves removed after failing") })
}

// retryLeavesOnce purges every failed leave's entry and announces it. An
// entry joined again while its purge ran is written back.
func (p *presence) retryLeavesOnce(ctx context.Context) error {
	p.mu.Lock()
	pending := make(map[string]leave, len(p.leaving))
	for k, l := range p.leaving {
		pending[k] = l
	}
	p.mu.Unlock()
	for k, l := range pending {
		p.mu.Lock()
		_, still := p.leaving[k] // not joined again since
		p.mu.Unlock()
		if !still {
			continue
		}
		if err := p.purge(ctx, p.kvs, p.b.names.presence, k); err != nil {
			return err
		}
		p.mu.Lock()
		delete(p.leaving, k)
		val, rejoined := p.mine[k]
		p.mu.Unlock()
		if rejoined { // while the purge ran: write it back
			if _, err := p.kv.Put(ctx, k, val); err != nil {
				p.setRev(0) // the next renewal writes every entry again
				return err
			}
			continue
		}
		var e entry
		if l.val != nil && json.Unmarshal(l.val, &e) == nil {
			p.announceLeave(ctx, l.topic, e.PresenceEntry)
		}
	}
	return nil
}
