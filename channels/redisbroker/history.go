package redisbroker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/nexogo/nexo/channels"
)

// History keys: for a topic with history, the stream <prefix>h:<topic>
// holds the messages, each under the ID <offset>-0 with the fields m (the
// encoded message) and t (the server's time in ms; 0 without an age
// bound), and the hash <prefix>hm:<topic> holds the epoch, the last
// offset (top) and, when the policy bounds bytes or age, the bytes the
// stream holds. A message is appended and published by one script, so it
// is never delivered without its position nor stored without being
// delivered.

// A restarted server may reload an older snapshot of the history (RDB,
// AOF everysec), whose offsets the clients have already seen beyond: the
// hash records the run_id of the server that started the epoch, and a
// script run by another server starts a new epoch, once (epochLua).

// epochLua is the start of the history scripts: it sets epoch to the
// topic's epoch, starting a new one (ARGV[newEpoch]) when there is none or
// when the server that started it is not this one. The script reads the
// server's run_id from INFO itself (about 17 µs) on every call: a run_id
// the broker passed in could be the previous server's (read before a
// reconnect, or resent by a retry), and a reloaded snapshot's hash names
// that same run_id, so trusting it would continue the old epoch and hand
// out offsets again (TestStaleRunHintStartsNewEpoch). run is left set to
// the server's run_id. ARGV[ttl] is the keys' time to live in ms (0:
// none), which it sets, and refreshes (see keysTTL).
func epochLua(newEpoch, ttl int) string {
	return fmt.Sprintf(`
local cur = redis.call('HMGET', meta, 'epoch', 'run')
local epoch = cur[1]
local run = string.match(redis.call('INFO', 'server'), 'run_id:(%%x+)') or ''
if not epoch or cur[2] ~= run then
  epoch = ARGV[%d]
  redis.call('DEL', stream)
  redis.call('HSET', meta, 'epoch', epoch, 'top', 0, 'bytes', 0, 'run', run)
end
local ttl = tonumber(ARGV[%d])
if ttl > 0 then
  redis.call('PEXPIRE', meta, ttl)
  redis.call('PEXPIRE', stream, ttl)
end`, newEpoch, ttl)
}

// keysTTL is the time to live of a topic's history keys, refreshed by
// every publish and every read: four times MaxAge, so that a topic nobody
// uses any more leaves nothing behind, while one that is merely quiet
// keeps its position (a client that missed nothing is told so) for a
// while after its messages have aged out. Zero (no MaxAge) keeps the keys.
func keysTTL(p channels.HistoryPolicy) int64 { return (4 * p.MaxAge).Milliseconds() }

// watchServer makes every new connection of a client the broker owns
// learn the server's run_id. Called before the client's first command.
func (b *Broker) watchServer() {
	opt := b.rc.Options()
	prev := opt.OnConnect
	opt.OnConnect = func(ctx context.Context, cn *redis.Conn) error {
		if prev != nil {
			if err := prev(ctx, cn); err != nil {
				return err
			}
		}
		info, err := cn.Info(ctx, "server").Result()
		if err != nil {
			return nil // the next command fails the same way, or the run_id stays known
		}
		for line := range strings.Lines(info) {
			line = strings.TrimSpace(line)
			if id, ok := strings.CutPrefix(line, "run_id:"); ok {
				b.learnRun(id)
			}
			if up, ok := strings.CutPrefix(line, "uptime_in_seconds:"); ok {
				if sec, err := strconv.ParseInt(up, 10, 64); err == nil {
					b.started.Store(time.Now().Add(-time.Duration(sec) * time.Second).UnixNano())
				}
			}
		}
		return nil
	}
}

// restartedWithin reports whether the server started less than d ago (it
// is not known for a client given with WithClient). The uptime is in whole
// seconds: one is added.
func (b *Broker) restartedWithin(d time.Duration) bool {
	started := b.started.Load()
	return started != 0 && time.Since(time.Unix(0, started)) < d+time.Second
}

// learnRun records the server's run_id, as a new connection or a script's
// answer tells it, and logs a restart when it changed. It is what the
// broker last saw, for its log: the scripts never trust it (epochLua).
func (b *Broker) learnRun(v any) {
	id, _ := v.(string)
	if id == "" {
		return
	}
	if prev := b.runID.Swap(&id); prev != nil && *prev != id {
		b.cfg.logger.Info("redisbroker: the server restarted; topics with history start new epochs", "run_id", id)
	}
}

// serverRun returns the run_id the broker last saw, or "" when none yet.
func (b *Broker) serverRun() string {
	if p := b.runID.Load(); p != nil {
		return *p
	}
	return ""
}

// WithHistory keeps the history of the topics that match the policies
// (the first matching policy applies) in Redis streams, so that
// channels.WithRecovery can replay what a client missed, and so that the
// broker itself recovers what its subscribers missed while its
// subscription connection was re-established. Every instance must be
// given the same policies.
func WithHistory(policies ...channels.HistoryPolicy) Option {
	return func(c *config) { c.history = append(c.history, policies...) }
}

func (b *Broker) streamKey(topic string) string { return b.cfg.prefix + "h:" + topic }
func (b *Broker) metaKey(topic string) string   { return b.cfg.prefix + "hm:" + topic }

// envelopeTag starts a published message that carries its position:
// tag, epoch, ' ', offset, ' ', then the encoded message.
const envelopeTag = 'h'

// publishScript appends the message to the stream, trims the stream to
// the policy's bounds and publishes it with its position.
// KEYS: stream, meta. ARGV: channel, new epoch, max count, max bytes,
// max age in ms, encoded message, the keys' time to live in ms. It
// returns the epoch, the offset and the server's run_id.
var publishScript = redis.NewScript(`
local stream, meta = KEYS[1], KEYS[2]
` + epochLua(2, 7) + `
local top = redis.call('HINCRBY', meta, 'top', 1)
local msg = ARGV[6]
local count, maxb, age = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
if maxb == 0 and age == 0 then
  redis.call('XADD', stream, 'MAXLEN', '=', count, top .. '-0', 'm', msg, 't', 0)
  if ttl > 0 then redis.call('PEXPIRE', stream, ttl) end
else
  local now = redis.call('TIME')
  local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
  redis.call('XADD', stream, top .. '-0', 'm', msg, 't', ms)
  if ttl > 0 then redis.call('PEXPIRE', stream, ttl) end
  local bytes = redis.call('HINCRBY', meta, 'bytes', #msg)
  local n = redis.call('XLEN', stream)
  if n > count or (maxb > 0 and bytes > maxb) or age > 0 then
    local drop, freed = 0, 0
    local old = redis.call('XRANGE', stream, '-', '+', 'COUNT', 16)
    for _, e in ipairs(old) do
      if n - drop <= 1 then break end
      local f = e[2]
      local size, t = #f[2], tonumber(f[4])
      local over = (n - drop > count) or (maxb > 0 and bytes - freed > maxb) or (age > 0 and t < ms - age)
      if not over then break end
      drop, freed = drop + 1, freed + size
    end
    if drop > 0 then
      redis.call('XTRIM', stream, 'MAXLEN', '=', n - drop)
      redis.call('HINCRBY', meta, 'bytes', -freed)
    end
  end
end
redis.call('PUBLISH', ARGV[1], 'h' .. epoch .. ' ' .. top .. ' ' .. msg)
return {epoch, top, run}
`)

// recoverScript reads a topic's position, its oldest offset and the
// entries from a first offset on. KEYS: stream, meta. ARGV: new epoch,
// since epoch ("" for none), since offset, last, max age in ms (0: none),
// the keys' time to live in ms. It returns the epoch, the last offset, the
// oldest offset held, the entries and the run_id. Entries older than the
// max age count as gone even when no publish has trimmed them yet.
var recoverScript = redis.NewScript(`
local stream, meta = KEYS[1], KEYS[2]
` + epochLua(1, 6) + `
local top = tonumber(redis.call('HGET', meta, 'top'))
local oldest = top + 1
local first = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)
if #first > 0 then
  oldest = tonumber(string.match(first[1][1], '^(%d+)'))
end
local age = tonumber(ARGV[5])
if age > 0 and #first > 0 then
  local now = redis.call('TIME')
  local limit = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - age
  local fresh = top + 1
  local cursor = oldest
  while cursor <= top do
    local batch = redis.call('XRANGE', stream, cursor .. '-0', '+', 'COUNT', 64)
    if #batch == 0 then break end
    local found = false
    for _, e in ipairs(batch) do
      local off = tonumber(string.match(e[1], '^(%d+)'))
      if tonumber(e[2][4]) >= limit then fresh = off; found = true; break end
      cursor = off + 1
    end
    if found then break end
  end
  oldest = fresh
end
local from = top + 1
if ARGV[2] ~= '' then
  if ARGV[2] == epoch then from = tonumber(ARGV[3]) + 1 end
elseif tonumber(ARGV[4]) > 0 then
  from = math.max(1, top - tonumber(ARGV[4]) + 1)
end
from = math.max(from, oldest)
local entries = {}
if from <= top then
  entries = redis.call('XRANGE', stream, from .. '-0', top .. '-0')
end
return {epoch, top, oldest, entries, run}
`)

var _ channels.HistoryBroker = (*Broker)(nil)

// HasHistory reports whether topic has history.
func (b *Broker) HasHistory(topic string) bool {
	_, ok := b.cfg.history.For(topic)
	return ok
}

// publishHistory appends m to topic's stream and publishes it, in one
// script.
func (b *Broker) publishHistory(ctx context.Context, topic string, p channels.HistoryPolicy, m *channels.Message) error {
	res, err := publishScript.Run(ctx, b.rc, []string{b.streamKey(topic), b.metaKey(topic)},
		b.Channel(topic), channels.NewEpoch(), p.Count(), p.MaxBytes, p.MaxAge.Milliseconds(),
		channels.EncodeMessage(m), keysTTL(p)).Slice()
	if err != nil {
		return fmt.Errorf("redisbroker: publish %q: %w", topic, err)
	}
	if len(res) == 3 {
		epoch, _ := res[0].(string)
		off, _ := res[1].(int64)
		m.Pos = channels.Position{Epoch: epoch, Offset: uint64(off)}
		b.learnRun(res[2])
	}
	return nil
}

// recoverAttempts bounds the attempts of Recover.
const recoverAttempts = 3

// Recover reads topic's history (see channels.HistoryBroker), in one
// script.
func (b *Broker) Recover(ctx context.Context, topic string, q channels.RecoverQuery) (channels.Recovery, error) {
	if b.closed.Load() {
		return channels.Recovery{}, channels.ErrBrokerClosed
	}
	p, ok := b.cfg.history.For(topic)
	if !ok {
		return channels.Recovery{}, fmt.Errorf("%w: %q", channels.ErrNoHistory, topic)
	}
	var sinceEpoch string
	var sinceOff uint64
	if q.Since != nil {
		sinceEpoch, sinceOff = q.Since.Epoch, q.Since.Offset
	}
	// Reading is safe to repeat: a connection of the pool that broke is
	// replaced by the next attempt.
	var res []any
	var err error
	for attempt := 1; attempt <= recoverAttempts; attempt++ {
		res, err = recoverScript.Run(ctx, b.rc, []string{b.streamKey(topic), b.metaKey(topic)},
			channels.NewEpoch(), sinceEpoch, sinceOff, q.Last, p.MaxAge.Milliseconds(), keysTTL(p)).Slice()
		if err == nil || ctx.Err() != nil || errors.Is(err, redis.ErrClosed) {
			break
		}
	}
	if err != nil {
		return channels.Recovery{}, fmt.Errorf("redisbroker: recover %q: %w", topic, err)
	}
	if len(res) != 5 {
		return channels.Recovery{}, fmt.Errorf("redisbroker: recover %q: unexpected answer %v", topic, res)
	}
	b.learnRun(res[4])
	epoch, _ := res[0].(string)
	top, _ := res[1].(int64)
	oldest, _ := res[2].(int64)
	cur := channels.Position{Epoch: epoch, Offset: uint64(top)}
	from, ok := channels.PlanRecovery(q, cur, uint64(oldest))
	rec := channels.Recovery{Position: cur, Recovered: ok}
	if !ok {
		return rec, nil
	}
	entries, _ := res[3].([]any)
	want := from
	for _, e := range entries {
		m, off, err := decodeEntry(topic, epoch, e)
		if err != nil {
			return channels.Recovery{}, fmt.Errorf("redisbroker: recover %q: %w", topic, err)
		}
		if off < want {
			continue
		}
		if off != want {
			// A hole in the stream: never a silent partial replay.
			return channels.Recovery{Position: cur}, nil
		}
		rec.Messages = append(rec.Messages, m)
		want++
	}
	if want != uint64(top)+1 {
		return channels.Recovery{Position: cur}, nil
	}
	return rec, nil
}

// decodeEntry decodes a stream entry as XRANGE returns it from a script:
// {id, {"m", message, "t", ms}}.
func decodeEntry(topic, epoch string, e any) (*channels.Message, uint64, error) {
	pair, _ := e.([]any)
	if len(pair) != 2 {
		return nil, 0, fmt.Errorf("malformed entry %v", e)
	}
	id, _ := pair[0].(string)
	fields, _ := pair[1].([]any)
	i := bytes.IndexByte([]byte(id), '-')
	off, err := strconv.ParseUint(id[:max(i, 0)], 10, 64)
	if err != nil || len(fields) < 2 {
		return nil, 0, fmt.Errorf("malformed entry %v", e)
	}
	data, _ := fields[1].(string)
	m, err := channels.DecodeMessage(topic, []byte(data))
	if err != nil {
		return nil, 0, err
	}
	m.Pos = channels.Position{Epoch: epoch, Offset: off}
	return m, off, nil
}

// decode parses a published message: with its position when it comes from
// a topic with history (envelopeTag), as channels.EncodeMessage otherwise.
func decode(topic string, payload []byte) (*channels.Message, error) {
	if len(payload) == 0 || payload[0] != envelopeTag {
		return channels.DecodeMessage(topic, payload)
	}
	rest := payload[1:]
	sp := bytes.IndexByte(rest, ' ')
	if sp <= 0 {
		return nil, channels.ErrBadMessage
	}
	epoch := string(rest[:sp])
	rest = rest[sp+1:]
	sp = bytes.IndexByte(rest, ' ')
	if sp <= 0 {
		return nil, channels.ErrBadMessage
	}
	off, err := strconv.ParseUint(string(rest[:sp]), 10, 64)
	if err != nil {
		return nil, channels.ErrBadMessage
	}
	m, err := channels.DecodeMessage(topic, rest[sp+1:])
	if err != nil {
		return nil, err
	}
	m.Pos = channels.Position{Epoch: epoch, Offset: off}
	return m, nil
}

// positions is the last position delivered per topic with history, so
// that the receive loop drops what it already delivered and fills, from
// the stream, what it missed: after the subscription connection was
// re-established, or on a gap. Only the receive loop delivers; Unsubscribe
// forgets a topic.
type positions struct {
	mu   sync.Mutex
	last map[string]channels.Position
}

func (p *positions) get(topic string) (channels.Position, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pos, ok := p.last[topic]
	return pos, ok
}

func (p *positions) set(topic string, pos channels.Position) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.last == nil {
		p.last = make(map[string]channels.Position)
	}
	p.last[topic] = pos
}

func (p *positions) forget(topic string) {
	p.mu.Lock()
	delete(p.last, topic)
	p.mu.Unlock()
}

// deliver hands a received message to the local subscribers. A message
// with a position that was delivered already is dropped; one that follows
// a gap, or starts a new epoch, is preceded by the missing messages, read
// from the stream; one of an epoch the stream has replaced is dropped.
func (b *Broker) deliver(m *channels.Message) {
	if m.Pos.Epoch == "" {
		b.local.Deliver(m)
		return
	}
	last, ok := b.positions.get(m.Topic)
	if ok && last.Epoch == m.Pos.Epoch && m.Pos.Offset <= last.Offset {
		return
	}
	if ok && (last.Epoch != m.Pos.Epoch || m.Pos.Offset > last.Offset+1) {
		var epoch string
		last, epoch = b.catchUp(m.Topic, last)
		if epoch != "" && epoch != m.Pos.Epoch {
			return // published in an epoch that a newer one has replaced
		}
		if last.Epoch == m.Pos.Epoch && m.Pos.Offset <= last.Offset {
			return
		}
	}
	b.positions.set(m.Topic, m.Pos)
	b.local.Deliver(m)
}

// resume is called when the server confirms again the subscription of a
// topic after the connection was re-established: what was published
// meanwhile is delivered from the stream.
func (b *Broker) resume(topic string) {
	if last, ok := b.positions.get(topic); ok {
		b.catchUp(topic, last)
	}
}

// catchUp delivers topic's messages after last from the stream and
// returns the last position delivered, and the topic's epoch ("" when the
// stream could not be read). When the epoch has changed (the server
// restarted), the new epoch's messages are delivered from its first: the
// subscribers see the new epoch and tell their clients, once, that the
// history was lost, and lose nothing of the new one. When the stream
// cannot fill the gap (trimmed), nothing is delivered: the subscribers see
// the gap and tell their clients.
func (b *Broker) catchUp(topic string, last channels.Position) (channels.Position, string) {
	ctx, cancel := context.WithTimeout(b.ctx, opTimeout)
	defer cancel()
	rec, err := b.Recover(ctx, topic, channels.RecoverQuery{Since: &last})
	if err == nil && !rec.Recovered && rec.Position.Epoch != last.Epoch {
		rec, err = b.Recover(ctx, topic, channels.RecoverQuery{Since: &channels.Position{Epoch: rec.Position.Epoch}})
	}
	if err != nil {
		b.cfg.logger.Warn("redisbroker: could not read the history after a gap", "topic", topic, "err", err)
		return last, ""
	}
	if !rec.Recovered {
		b.cfg.logger.Warn("redisbroker: messages lost beyond the history", "topic", topic, "from", last, "to", rec.Position)
		return last, rec.Position.Epoch
	}
	for _, m := range rec.Messages {
		b.positions.set(topic, m.Pos)
		b.local.Deliver(m)
		last = m.Pos
	}
	return last, rec.Position.Epoch
}
