package natsbroker

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/internal/periodic"
)

// presence is the Presence of a Broker, on two JetStream KV buckets:
//
//   - <prefix>_presence: key token(topic) "." token(connID), value the
//     PresenceEntry as JSON with Instance set; history 1, no TTL.
//   - <prefix>_instances: key token(instanceID) "." nonce, the lease of
//     one run of the instance; history 1, TTL (bucket MaxAge) = the lease,
//     renewed every third. The entry's value names its lease key.
//
// An entry is live while its instance has a lease. List drops, and
// deletes, the entries of instances without one, and so does every
// instance for every topic every half lease (reap); whichever instance
// deletes a dead entry announces its leave, once. Leave and Close purge the key's
// subject from the stream rather than write a delete marker, so that no
// tombstone is left per connection that ever joined.
type presence struct {
	b   *Broker
	err error // ErrNoJetStream: every method returns it

	kv, leases   jetstream.KeyValue
	kvs, leasesS jetstream.Stream // the buckets' streams, for purges
	leaseKey     string
	every        time.Duration

	mu      sync.Mutex
	mine    map[string][]byte // the entries this instance joined, by key
	leaving map[string]leave  // failed leaves, by key, retried by retryLeaves
	rev     uint64            // revision of our lease; 0: unknown
	renewed atomic.Int64      // when the lease was last written, in Unix ns
	crashed atomic.Bool       // test hook: Close leaves everything
	onWrite func(key string)  // test hook, under mu: called before the lease rewrite writes key
	lists   listGroup
}

var _ channels.Presence = (*presence)(nil)

// entry is the stored form of a PresenceEntry: the entry and the key of
// its instance's lease, and its place in the order of joins. Seq is the
// revision at which the stream took the connection's first Join, written
// into the entries that replace it (a rename, the rewrite after a lease
// was lost); 0 in that first entry, whose own revision is its place. List
// lists entries by place: in the order the server took them, whatever the
// clocks of the instances that joined them.
type entry struct {
	Seq uint64 `json:"seq,omitempty"`
	channels.PresenceEntry
	Lease string `json:"lease"`
}

// place is the place of a stored entry in the order of joins.
func (s stored) place() uint64 {
	if s.e.Seq != 0 {
		return s.e.Seq
	}
	return s.rev
}

// lease is the value of an instance's lease.
type lease struct {
	Instance string    `json:"instance"`
	Started  time.Time `json:"started"`
}

// newPresence creates or binds the buckets and takes this instance's lease.
func newPresence(ctx context.Context, b *Broker) (*presence, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	// The lease key carries a nonce of this process: an instance that
	// restarts with the same ID does not revive its predecessor's entries.
	leaseKey := token(b.cfg.instance) + "." + strings.ReplaceAll(uuid.NewString(), "-", "")
	p := &presence{b: b, mine: make(map[string][]byte), leaving: make(map[string]leave), leaseKey: leaseKey, every: b.cfg.lease / 3}
	js, err := jetstream.New(b.pnc)
	if err != nil {
		return nil, fmt.Errorf("natsbroker: jetstream: %w", err)
	}
	p.kv, err = bucket(ctx, js, jetstream.KeyValueConfig{
		Bucket:      b.names.presence,
		Description: "nexo presence entries: token(topic).token(conn id) -> PresenceEntry JSON",
		History:     1,
	})
	if errors.Is(err, jetstream.ErrJetStreamNotEnabled) || errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount) {
		b.cfg.logger.Warn("natsbroker: the server has no JetStream: pub/sub works, presence does not")
		return &presence{b: b, err: ErrNoJetStream}, nil
	}
	if err != nil {
		return nil, err
	}
	ljs, err := jetstream.New(b.lnc)
	if err != nil {
		return nil, fmt.Errorf("natsbroker: jetstream: %w", err)
	}
	p.leases, err = bucket(ctx, ljs, jetstream.KeyValueConfig{
		Bucket:      b.names.instances,
		Description: "nexo instance leases: token(instance id) -> lease; MaxAge is the lease",
		History:     1,
		TTL:         b.cfg.lease,
	})
	if err != nil {
		return nil, err
	}
	st, err := p.leases.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("natsbroker: bucket %s: %w", b.names.instances, err)
	}
	if ttl := st.TTL(); ttl != b.cfg.lease {
		// Another instance made the bucket with another lease: the
		// bucket's wins, and we renew often enough for it.
		b.cfg.logger.Warn("natsbroker: the lease bucket has another TTL than WithLease; using the bucket's",
			"bucket", b.names.instances, "ttl", ttl, "lease", b.cfg.lease)
		if ttl > 0 {
			p.every = min(ttl, b.cfg.lease) / 3
		}
	}
	if p.kvs, err = js.Stream(ctx, "KV_"+b.names.presence); err != nil {
		return nil, fmt.Errorf("natsbroker: bucket %s: %w", b.names.presence, err)
	}
	if p.leasesS, err = js.Stream(ctx, "KV_"+b.names.instances); err != nil {
		return nil, fmt.Errorf("natsbroker: bucket %s: %w", b.names.instances, err)
	}
	if err := p.renewOnce(ctx); err != nil {
		return nil, fmt.Errorf("natsbroker: lease: %w", err)
	}
	return p, nil
}

// bucket binds the bucket, or creates it when it is missing. It binds
// first, so that an instance never asks the server to create, or update,
// a bucket that exists (nats.go's CreateKeyValue updates an existing one
// whose configuration differs a little, and an update that reaches
// nats-server 2.9 while the stream is being created crashes it).
// Instances started at once on a new prefix all create it: one refused
// because another's creation was under way (createdMeanwhile, or the
// bucket exists) binds it, and tries again if it is not there yet. It is
// bound as it is, whatever its configuration.
func bucket(ctx context.Context, js jetstream.JetStream, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	for attempt := 0; ; attempt++ {
		kv, err := js.KeyValue(ctx, cfg.Bucket)
		if err != nil {
			// Missing, or not to be had (no JetStream: creating says so).
			kv, err = js.CreateKeyValue(ctx, cfg)
		}
		if err == nil {
			return kv, nil
		}
		if attempt == maxCreateAttempts-1 || !(createdMeanwhile(err) || errors.Is(err, jetstream.ErrBucketExists)) {
			return nil, fmt.Errorf("natsbroker: bucket %s: %w", cfg.Bucket, err)
		}
	}
}

// renew renews the lease every third of it until the broker closes.
//
// A renewal slowed down by load is given two periods, still well within
// the lease, rather than abandoned after one and tried again a period
// later: a late renewal still renews.
func (p *presence) renew() {
	channels.KeepLease(p.b.ctx, p.every, opTimeout, func(context.Context) error {
		ctx, cancel := context.WithTimeout(p.b.ctx, 2*p.every)
		defer cancel()
		return p.renewOnce(ctx)
	}, p.b.cfg.logger)
}

// renewOnce writes the lease. When it was not where we left it (first
// time, it expired during an outage, another instance purged it), the
// lease is taken again and every entry of this instance written again,
// since other instances may have dropped them meanwhile.
func (p *presence) renewOnce(ctx context.Context) error {
	val, _ := json.Marshal(lease{Instance: p.b.cfg.instance, Started: time.Now().UTC()})
	p.mu.Lock()
	rev := p.rev
	p.mu.Unlock()
	if rev != 0 {
		if next, err := p.leases.Update(ctx, p.leaseKey, val, rev); err == nil {
			p.setRev(next)
			p.renewed.Store(time.Now().UnixNano())
			return nil
		}
	}
	next, err := p.leases.Put(ctx, p.leaseKey, val)
	if err != nil {
		p.setRev(0)
		return err
	}
	p.mu.Lock()
	mine := make(map[string][]byte, len(p.mine))
	for k, v := range p.mine {
		mine[k] = v
	}
	p.mu.Unlock()
	if rev != 0 && len(mine) > 0 {
		p.b.cfg.logger.Info("natsbroker: lease taken again; rewriting this instance's presence", "entries", len(mine))
	}
	for k, v := range mine {
		if err := p.rewrite(ctx, k, v); err != nil {
			p.setRev(0) // try again next time
			return err
		}
	}
	p.setRev(next)
	p.renewed.Store(time.Now().UnixNano())
	return nil
}

// rewrite writes again the entry k, copied as v from mine, after the
// lease was taken again. The entry may leave, or join again, while it is
// written: a Leave whose purge ran before this write would find its entry
// back for good, under a live lease. So the entry is looked up in mine
// again once written: gone, it is purged (or, failing that, retried as a
// failed leave, unannounced since its Leave announced it); joined again
// meanwhile (even during that purge), the newer value is written.
//
// An entry that was no longer in the bucket (another instance found it
// without a lease, deleted it and announced its leave) has its join
// announced once written back, so that the pages that removed the member
// list it again.
func (p *presence) rewrite(ctx context.Context, k string, v []byte) error {
	p.mu.Lock()
	_, still := p.mine[k]
	hook := p.onWrite
	p.mu.Unlock()
	if !still {
		return nil
	}
	if hook != nil {
		hook(k)
	}
	// Create succeeds only where the entry is gone: its leave was
	// announced.
	_, err := p.kv.Create(ctx, k, v)
	gone := err == nil
	if errors.Is(err, jetstream.ErrKeyExists) {
		_, err = p.kv.Put(ctx, k, v)
	}
	if err != nil {
		return err
	}
	p.mu.Lock()
	cur, still := p.mine[k]
	p.mu.Unlock()
	if still {
		if bytes.Equal(cur, v) {
			if gone {
				p.announceBack(ctx, k, v)
			}
			return nil
		}
		_, err := p.kv.Put(ctx, k, cur)
		return err
	}
	if err := p.purge(ctx, p.kvs, p.b.names.presence, k); err != nil {
		p.retryLater(k, leave{})
		return nil
	}
	p.mu.Lock()
	cur, still = p.mine[k] // joined again while the purge ran
	p.mu.Unlock()
	if !still {
		return nil
	}
	_, err = p.kv.Put(ctx, k, cur)
	return err
}

func (p *presence) setRev(rev uint64) {
	p.mu.Lock()
	p.rev = rev
	p.mu.Unlock()
}

// key is the KV key of connID in topic.
func key(topic, connID string) string { return token(topic) + "." + token(connID) }

func (p *presence) check() error {
	if p.b.closed.Load() {
		return channels.ErrBrokerClosed
	}
	return p.err
}

// Join records e in topic, with e.Instance set to this instance.
func (p *presence) Join(ctx context.Context, topic string, e channels.PresenceEntry) error {
	if err := p.check(); err != nil {
		return err
	}
	e.Instance = p.b.cfg.instance
	k := key(topic, e.ConnID)
	st := entry{PresenceEntry: e, Lease: p.leaseKey}
	p.mu.Lock()
	if prev, ok := p.mine[k]; ok {
		// Joined already: the entry keeps its place.
		var old entry
		if json.Unmarshal(prev, &old) == nil {
			st.Seq = old.Seq
		}
	}
	val, err := json.Marshal(st)
	if err == nil {
		p.mine[k] = val
		delete(p.leaving, k)
	}
	p.mu.Unlock()
	if err != nil {
		return fmt.Errorf("natsbroker: presence join: %w", err)
	}
	rev, err := p.kv.Put(ctx, k, val)
	if err == nil && st.Seq == 0 {
		// Its place is this revision: kept in the entries that replace it.
		st.Seq = rev
		if placed, err := json.Marshal(st); err == nil {
			p.mu.Lock()
			if bytes.Equal(p.mine[k], val) {
				p.mine[k] = placed
			}
			p.mu.Unlock()
		}
	}
	if err != nil {
		p.mu.Lock()
		delete(p.mine, k)
		p.mu.Unlock()
		// The write may have reached the server, which stores it late:
		// remove it as a failed leave, unannounced like the join.
		p.retryLater(k, leave{topic: topic})
		return fmt.Errorf("natsbroker: presence join: %w", err)
	}
	return nil
}

// Leave removes connID from topic. When the entry cannot be removed now
// (the server is away), the error is returned and the leave is retried in
// the background until it succeeds, then announced (retryLeaves).
func (p *presence) Leave(ctx context.Context, topic, connID string) error {
	if err := p.check(); err != nil {
		return err
	}
	k := key(topic, connID)
	p.mu.Lock()
	val := p.mine[k]
	delete(p.mine, k)
	p.mu.Unlock()
	if err := p.purge(ctx, p.kvs, p.b.names.presence, k); err != nil {
		p.retryLater(k, leave{topic, val})
		return fmt.Errorf("natsbroker: presence leave (retried in the background): %w", err)
	}
	return nil
}

// purge removes every message of key from a bucket's stream.
func (p *presence) purge(ctx context.Context, s jetstream.Stream, bucket, k string) error {
	return s.Purge(ctx, jetstream.WithPurgeSubject("$KV."+bucket+"."+k))
}

// List returns the live entries of topic, oldest first. Entries of an
// instance without a lease are left out and deleted (unless written again
// since they were read). Concurrent calls for one topic share a listing
// begun after each of them (listGroup).
func (p *presence) List(ctx context.Context, topic string) ([]channels.PresenceEntry, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	return p.lists.list(ctx, topic, func() ([]channels.PresenceEntry, error) {
		ctx, cancel := context.WithTimeout(p.b.ctx, opTimeout)
		defer cancel()
		return p.list(ctx, topic)
	})
}

// list reads topic's entries.
func (p *presence) list(ctx context.Context, topic string) ([]channels.PresenceEntry, error) {
	items, err := p.read(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("natsbroker: presence list: %w", err)
	}
	live := map[string]bool{p.leaseKey: true}
	kept := make([]stored, 0, len(items))
	for _, it := range items {
		ok, known := live[it.e.Lease]
		if !known && it.e.Lease != "" {
			_, err := p.leases.Get(ctx, it.e.Lease)
			switch {
			case err == nil:
				ok = true
			case errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrInvalidKey):
				ok = false
			default:
				return nil, fmt.Errorf("natsbroker: presence list: lease of %q: %w", it.e.Instance, err)
			}
			live[it.e.Lease] = ok
		}
		if ok {
			kept = append(kept, it)
			continue
		}
		// Conditional: an entry written again since (its instance came
		// back) stays.
		if err := p.kv.Delete(ctx, it.key, jetstream.LastRevision(it.rev)); err != nil {
			p.b.cfg.logger.Debug("natsbroker: a dead instance's presence entry not deleted here (another instance may have)", "key", it.key, "err", err)
			continue
		}
		p.announceLeave(ctx, topic, it.e.PresenceEntry)
	}
	slices.SortFunc(kept, func(a, b stored) int {
		return cmp.Or(cmp.Compare(a.place(), b.place()), cmp.Compare(a.e.ConnID, b.e.ConnID))
	})
	out := make([]channels.PresenceEntry, len(kept))
	for i, it := range kept {
		out[i] = it.e.PresenceEntry
	}
	return out, nil
}

// announceBack announces the join of the entry v of key k, written back
// after another instance had removed it and announced its leave.
func (p *presence) announceBack(ctx context.Context, k string, v []byte) {
	tok, _, _ := strings.Cut(k, ".")
	topic, ok := untoken(tok)
	var e entry
	if !ok || json.Unmarshal(v, &e) != nil {
		return // written by this instance: cannot happen
	}
	ev := channels.PresenceEvent{Type: "presence", Event: "join", Topic: topic, Entry: e.PresenceEntry}
	if err := channels.Publish(ctx, p.b, channels.PresenceTopic(topic), ev); err != nil {
		p.b.cfg.logger.Warn("natsbroker: could not announce a member written back", "topic", topic, "conn", e.ConnID, "err", err)
	}
}

// announceLeave announces the leave of a member this instance removed
// late: a dead instance's, or its own after a failed leave. Nobody else
// will.
func (p *presence) announceLeave(ctx context.Context, topic string, e channels.PresenceEntry) {
	ev := channels.PresenceEvent{Type: "presence", Event: "leave", Topic: topic, Entry: e}
	if err := channels.Publish(ctx, p.b, channels.PresenceTopic(topic), ev); err != nil {
		p.b.cfg.logger.Warn("natsbroker: could not announce a member removed late", "topic", topic, "conn", e.ConnID, "err", err)
	}
}

// reap lists every topic's presence every half lease until the broker
// closes, so that the members of a crashed instance are removed, and
// their leave announced, even when nobody lists the topic.
func (p *presence) reap() {
	periodic.Run(p.b.ctx, p.every*3/2, opTimeout, p.reapOnce, func(err error) {
		p.b.cfg.logger.Warn("natsbroker: presence of crashed instances not checked; retrying", "err", err)
	}, nil)
}

// reapOnce lists every topic that has presence entries.
func (p *presence) reapOnce(ctx context.Context) error {
	keys, err := p.kv.Keys(ctx)
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return nil
	}
	if err != nil {
		return err
	}
	topics := map[string]bool{}
	for _, k := range keys {
		tok, _, ok := strings.Cut(k, ".")
		if !ok || topics[tok] {
			continue
		}
		topics[tok] = true
		topic, ok := untoken(tok)
		if !ok {
			continue
		}
		if _, err := p.List(ctx, topic); err != nil {
			return err
		}
	}
	return nil
}

// close purges this instance's entries and lease, unless it crashed. A
// failure is logged: the entries expire with the lease.
func (p *presence) close(ctx context.Context) {
	if p.err != nil || p.crashed.Load() {
		return
	}
	p.mu.Lock()
	keys := make([]string, 0, len(p.mine)+len(p.leaving))
	for k := range p.mine {
		keys = append(keys, k)
	}
	for k := range p.leaving {
		keys = append(keys, k)
	}
	p.mine, p.leaving = map[string][]byte{}, map[string]leave{}
	p.mu.Unlock()
	var errs []error
	for _, k := range keys {
		if err := p.purge(ctx, p.kvs, p.b.names.presence, k); err != nil {
			errs = append(errs, err)
			break // the rest expire with the lease
		}
	}
	if err := p.purge(ctx, p.leasesS, p.b.names.instances, p.leaseKey); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		// Not the caller's problem: the lease expires and takes the
		// entries with it.
		p.b.cfg.logger.Warn("natsbroker: close: presence not removed; it expires with the lease", "err", err)
	}
}
