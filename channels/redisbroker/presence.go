package redisbroker

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/internal/periodic"
)

// presence is the Presence of a Broker, in Redis keys:
//
//   - <prefix>presence:<topic>: a hash, field the connection ID, value the
//     PresenceEntry as JSON with Instance set, the key of its instance's
//     lease, and first its place in the order of joins ("seq").
//   - <prefix>presence-seq: the last place handed out, for every topic:
//     the server's clock in microseconds, or one more than the last place
//     when the clock has not moved on. A connection's place is taken by
//     its first Join, in the script that stores the entry (joinEntry), so
//     List lists entries in the order Redis took them, whatever the clocks
//     of the instances that joined them; it survives a restart of the
//     server, after which the clock is still later than every place.
//   - <prefix>lease:<instance>:<nonce>: the lease of one run of the
//     instance, a string with a time to live of one lease, renewed every
//     third.
//   - <prefix>presence-topics: a set of the topics that may have
//     entries, which reap walks; a topic leaves it when its hash is
//     empty.
//
// An entry is live while its lease exists. List leaves out, and deletes,
// the entries whose lease has expired, and so does every instance for
// every topic every half lease (reap); whichever instance deletes a dead
// entry announces its leave, once. For one lease after the server started
// they are left out but not deleted: a server restarted from a snapshot
// after a long outage has the entries of live instances whose leases
// expired meanwhile, and they take their lease again, and write their
// entries again, within a third of it (announcing their join).
//
// A Leave that fails (the server is away) is retried with every renewal
// until it succeeds, and its leave announced then: the instance renews its
// lease, so its entry would otherwise stay for ever.
type presence struct {
	b        *Broker
	leaseKey string
	every    time.Duration

	mu      sync.Mutex
	mine    map[[2]string][]byte // the entries this instance joined: {topic, conn} -> value
	leaving map[[2]string][]byte // the entries whose Leave failed, retried with every renewal
	crashed atomic.Bool          // test hook: Close leaves everything
}

var _ channels.Presence = (*presence)(nil)

// entry is the stored form of a PresenceEntry. Seq comes first in its
// JSON, where joinEntry writes it.
type entry struct {
	Seq uint64 `json:"seq,omitempty"`
	channels.PresenceEntry
	Lease string `json:"lease"`
}

// deleteIfSame deletes a hash field only if it still holds the value that
// was read: an entry written again meanwhile (its instance came back)
// stays. With a second key, the lease the entry lives by, it deletes only
// while that lease is missing: an instance that came back after the
// caller saw its lease missing has taken the lease again and written its
// entries back, the same values. With a third argument, the places
// ("seq") of both values are left out of the comparison: a Join whose
// reply was lost does not know the place its entry took.
var deleteIfSame = redis.NewScript(`
if KEYS[2] and redis.call("EXISTS", KEYS[2]) == 1 then
	return 0
end
local cur = redis.call("HGET", KEYS[1], ARGV[1])
if cur and ARGV[3] then
	cur = string.gsub(cur, '^{"seq":%d+,', '{')
	ARGV[2] = string.gsub(ARGV[2], '^{"seq":%d+,', '{')
end
if cur == ARGV[2] then
	return redis.call("HDEL", KEYS[1], ARGV[1])
end
return 0`)

// joinEntry stores the entry ARGV[2] of connection ARGV[1] in the hash
// KEYS[1], and its topic ARGV[3] in the set KEYS[2], and returns the
// stored value. The entry keeps the place it has: the one in the hash (a
// second Join), else the one in ARGV[2] (an entry written again after a
// restart); otherwise it takes the next place from KEYS[3].
var joinEntry = redis.NewScript(`
local seq, rest = string.match(ARGV[2], '^{"seq":(%d+),(.*)$')
local body = ARGV[2]
if seq then body = '{' .. rest end
local cur = redis.call("HGET", KEYS[1], ARGV[1])
if cur then seq = string.match(cur, '^{"seq":(%d+),') or seq end
if not seq then
	local t = redis.call("TIME")
	local n = tonumber(t[1]) * 1000000 + tonumber(t[2])
	local last = tonumber(redis.call("GET", KEYS[3]) or "0")
	if n <= last then n = last + 1 end
	seq = string.format("%.0f", n)
	redis.call("SET", KEYS[3], seq)
end
local v = '{"seq":' .. seq .. ',' .. string.sub(body, 2)
redis.call("HSET", KEYS[1], ARGV[1], v)
redis.call("SADD", KEYS[2], ARGV[3])
return v`)

// newPresence takes this instance's lease.
func newPresence(ctx context.Context, b *Broker) (*presence, error) {
	// The nonce keeps an instance that restarts with the same ID from
	// reviving its predecessor's entries.
	p := &presence{
		b:        b,
		leaseKey: b.cfg.prefix + "lease:" + b.cfg.instance + ":" + strings.ReplaceAll(uuid.NewString(), "-", ""),
		every:    b.cfg.lease / 3,
		mine:     make(map[[2]string][]byte),
		leaving:  make(map[[2]string][]byte),
	}
	if err := p.renewOnce(ctx); err != nil {
		return nil, fmt.Errorf("redisbroker: lease: %w", err)
	}
	return p, nil
}

func (p *presence) hash(topic string) string { return p.b.cfg.prefix + "presence:" + topic }

// topics is the key of the set of topics with entries.
func (p *presence) topics() string { return p.b.cfg.prefix + "presence-topics" }

// seq is the key of the last place handed out (see joinEntry).
func (p *presence) seq() string { return p.b.cfg.prefix + "presence-seq" }

// joinKeys are joinEntry's keys for topic.
func (p *presence) joinKeys(topic string) []string {
	return []string{p.hash(topic), p.topics(), p.seq()}
}

// forgetIfEmpty removes a topic from the set of topics with entries when
// its hash is empty, atomically, so that a Join meanwhile keeps it.
var forgetIfEmpty = redis.NewScript(`
if redis.call("EXISTS", KEYS[1]) == 0 then
	return redis.call("SREM", KEYS[2], ARGV[1])
end
return 0`)

// renew renews the lease every third of it until the broker closes.
func (p *presence) renew() {
	channels.KeepLease(p.b.ctx, p.every, opTimeout, p.renewOnce, p.b.cfg.logger)
}

// renewOnce extends the lease, then retries the leaves that failed. When
// the lease was gone (the first time, it expired during an outage, or the
// server restarted empty), it is taken again and every entry of this
// instance written again, and their join announced.
func (p *presence) renewOnce(ctx context.Context) error {
	rc := p.b.rc
	val := p.b.cfg.instance
	ok, err := rc.SetXX(ctx, p.leaseKey, val, p.b.cfg.lease).Result()
	if err != nil {
		return err
	}
	if !ok {
		if err := p.rewrite(ctx); err != nil {
			return err
		}
	}
	return p.retryLeaves(ctx)
}

// rewrite takes the lease again and writes every entry of this instance
// again, announcing their join.
func (p *presence) rewrite(ctx context.Context) error {
	p.mu.Lock()
	mine := maps.Clone(p.mine)
	p.mu.Unlock()
	if err := joinEntry.Load(ctx, p.b.rc).Err(); err != nil {
		return err
	}
	_, err := p.b.rc.TxPipelined(ctx, func(tx redis.Pipeliner) error {
		tx.Set(ctx, p.leaseKey, p.b.cfg.instance, p.b.cfg.lease)
		for k, v := range mine {
			joinEntry.EvalSha(ctx, tx, p.joinKeys(k[0]), k[1], v, k[0])
		}
		return nil
	})
	if err != nil || len(mine) == 0 {
		return err
	}
	p.b.cfg.logger.Info("redisbroker: lease taken again; rewrote this instance's presence", "entries", len(mine))
	// An entry that left meanwhile may have been deleted before it was
	// written again: it is deleted as a failed leave is (retryLeaves).
	p.mu.Lock()
	for k, v := range mine {
		if _, ok := p.mine[k]; ok {
			continue
		}
		delete(mine, k)
		if _, ok := p.leaving[k]; !ok {
			p.leaving[k] = v
		}
	}
	p.mu.Unlock()
	for k, v := range mine {
		p.announceStored(ctx, "join", k[0], v)
	}
	return nil
}

// retryLeaves deletes the entries whose Leave failed, unless written again
// meanwhile, and announces their leave.
func (p *presence) retryLeaves(ctx context.Context) error {
	p.mu.Lock()
	leaving := maps.Clone(p.leaving)
	p.mu.Unlock()
	for k, v := range leaving {
		err := deleteIfSame.Run(ctx, p.b.rc, []string{p.hash(k[0])}, k[1], v, "any place").Err()
		if err != nil && !errors.Is(err, redis.Nil) {
			return fmt.Errorf("redisbroker: presence leave retried: %w", err)
		}
		p.mu.Lock()
		if bytes.Equal(p.leaving[k], v) {
			delete(p.leaving, k)
		}
		p.mu.Unlock()
		p.announceStored(ctx, "leave", k[0], v)
	}
	return nil
}

// announceStored announces event for an entry in its stored form.
func (p *presence) announceStored(ctx context.Context, event, topic string, v []byte) {
	var e entry
	if err := json.Unmarshal(v, &e); err != nil {
		return // written by this instance: cannot happen
	}
	p.announce(ctx, event, topic, e.PresenceEntry)
}

func (p *presence) check() error {
	if p.b.closed.Load() {
		return channels.ErrBrokerClosed
	}
	return nil
}

// Join records e in topic, with e.Instance set to this instance.
func (p *presence) Join(ctx context.Context, topic string, e channels.PresenceEntry) error {
	if err := p.check(); err != nil {
		return err
	}
	e.Instance = p.b.cfg.instance
	val, err := json.Marshal(entry{PresenceEntry: e, Lease: p.leaseKey})
	if err != nil {
		return fmt.Errorf("redisbroker: presence join: %w", err)
	}
	k := [2]string{topic, e.ConnID}
	p.mu.Lock()
	p.mine[k] = val
	delete(p.leaving, k)
	p.mu.Unlock()
	stored, err := joinEntry.Run(ctx, p.b.rc, p.joinKeys(topic), e.ConnID, val, topic).Text()
	if err == nil {
		// Kept in its stored form, with its place, for rewrite.
		p.mu.Lock()
		if bytes.Equal(p.mine[k], val) {
			p.mine[k] = []byte(stored)
		}
		p.mu.Unlock()
	} else {
		// The entry may have been written all the same (the context ended
		// after the command was sent): it is removed as a failed leave is.
		p.mu.Lock()
		delete(p.mine, k)
		p.leaving[k] = val
		p.mu.Unlock()
		return fmt.Errorf("redisbroker: presence join: %w", err)
	}
	return nil
}

// Leave removes connID from topic.
func (p *presence) Leave(ctx context.Context, topic, connID string) error {
	if err := p.check(); err != nil {
		return err
	}
	k := [2]string{topic, connID}
	p.mu.Lock()
	val, joined := p.mine[k]
	delete(p.mine, k)
	p.mu.Unlock()
	if err := p.b.rc.HDel(ctx, p.hash(topic), connID).Err(); err != nil {
		if joined {
			p.mu.Lock()
			p.leaving[k] = val
			p.mu.Unlock()
		}
		return fmt.Errorf("redisbroker: presence leave (retried with the lease): %w", err)
	}
	return nil
}

// List returns the live entries of topic, oldest first. Entries whose
// lease has expired are left out and deleted.
func (p *presence) List(ctx context.Context, topic string) ([]channels.PresenceEntry, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	rc := p.b.rc
	fields, err := rc.HGetAll(ctx, p.hash(topic)).Result()
	if err != nil {
		return nil, fmt.Errorf("redisbroker: presence list: %w", err)
	}
	type item struct {
		field, raw string
		e          entry
	}
	items := make([]item, 0, len(fields))
	leases := map[string]*redis.IntCmd{}
	pipe := rc.Pipeline()
	for f, raw := range fields {
		var e entry
		if err := json.Unmarshal([]byte(raw), &e); err != nil {
			p.b.cfg.logger.Warn("redisbroker: skipped a malformed presence entry", "topic", topic, "conn", f, "err", err)
			continue
		}
		items = append(items, item{f, raw, e})
		if _, ok := leases[e.Lease]; !ok && e.Lease != p.leaseKey {
			leases[e.Lease] = pipe.Exists(ctx, e.Lease)
		}
	}
	if len(leases) > 0 {
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, fmt.Errorf("redisbroker: presence list: leases: %w", err)
		}
	}
	live := make([]entry, 0, len(items))
	restarted := p.b.restartedWithin(p.b.cfg.lease)
	for _, it := range items {
		if it.e.Lease == p.leaseKey || (it.e.Lease != "" && leases[it.e.Lease].Val() == 1) {
			live = append(live, it.e)
			continue
		}
		if restarted {
			continue // its instance may be alive, and about to take its lease again
		}
		keys := []string{p.hash(topic)}
		if it.e.Lease != "" {
			keys = append(keys, it.e.Lease) // deleted only while the lease is missing
		}
		n, err := deleteIfSame.Run(ctx, rc, keys, it.field, it.raw).Int()
		if err != nil && !errors.Is(err, redis.Nil) {
			p.b.cfg.logger.Warn("redisbroker: could not delete a dead instance's presence entry", "topic", topic, "conn", it.field, "err", err)
		}
		if n == 1 {
			p.announce(ctx, "leave", topic, it.e.PresenceEntry)
		}
	}
	// In the order of the joins: by place, entries without one (written
	// before places) first, by join time.
	slices.SortFunc(live, func(a, b entry) int {
		return cmp.Or(cmp.Compare(a.Seq, b.Seq), a.JoinedAt.Compare(b.JoinedAt), cmp.Compare(a.ConnID, b.ConnID))
	})
	out := make([]channels.PresenceEntry, len(live))
	for i, e := range live {
		out[i] = e.PresenceEntry
	}
	return out, nil
}

// announce publishes a presence event that only this instance knows of:
// the leave of a dead instance's member it removed, the join of a member
// it wrote again, the leave of a member whose Leave it retried.
func (p *presence) announce(ctx context.Context, event, topic string, e channels.PresenceEntry) {
	ev := channels.PresenceEvent{Type: "presence", Event: event, Topic: topic, Entry: e}
	if err := channels.Publish(ctx, p.b, channels.PresenceTopic(topic), ev); err != nil {
		p.b.cfg.logger.Warn("redisbroker: could not announce a presence event", "event", event, "topic", topic, "conn", e.ConnID, "err", err)
	}
}

// reap lists every topic's presence every half lease until the broker
// closes, so that the members of a crashed instance are removed, and
// their leave announced, even when nobody lists the topic.
func (p *presence) reap() {
	periodic.Run(p.b.ctx, p.b.cfg.lease/2, opTimeout, p.reapOnce, func(err error) {
		p.b.cfg.logger.Warn("redisbroker: presence of crashed instances not checked; retrying", "err", err)
	}, nil)
}

// reapOnce lists every topic of the set of topics with entries, and
// forgets those left empty.
func (p *presence) reapOnce(ctx context.Context) error {
	it := p.b.rc.SScan(ctx, p.topics(), 0, "", 100).Iterator()
	for it.Next(ctx) {
		topic := it.Val()
		es, err := p.List(ctx, topic)
		if err != nil {
			return err
		}
		if len(es) == 0 {
			if err := forgetIfEmpty.Run(ctx, p.b.rc, []string{p.hash(topic), p.topics()}, topic).Err(); err != nil {
				return err
			}
		}
	}
	return it.Err()
}

// close deletes this instance's entries and lease, unless it crashed. A
// failure is logged: the entries expire with the lease.
func (p *presence) close(ctx context.Context) {
	if p.crashed.Load() {
		return
	}
	p.mu.Lock()
	mine := p.mine
	maps.Copy(mine, p.leaving)
	p.mine, p.leaving = map[[2]string][]byte{}, map[[2]string][]byte{}
	p.mu.Unlock()
	_, err := p.b.rc.TxPipelined(ctx, func(tx redis.Pipeliner) error {
		for k := range mine {
			tx.HDel(ctx, p.hash(k[0]), k[1])
		}
		tx.Del(ctx, p.leaseKey)
		return nil
	})
	if err != nil {
		p.b.cfg.logger.Warn("redisbroker: close: presence not removed; it expires with the lease", "err", err)
	}
}
