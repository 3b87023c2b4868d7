package natsbroker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/nexogo/nexo/channels"
)

// History: every topic with history has a JetStream stream of its own,
// named <bucket>_h_<hash of the topic>, that captures the topic's subject
// and is bounded by the policy (MaxMsgs, MaxBytes, MaxAge, discarding the
// oldest). A message's offset is its stream sequence, and the epoch is
// the stream's creation time: a deleted and recreated stream has a new
// one. Streams are file-stored. Publishing waits for the stream's
// acknowledgement, so a message is stored before it is delivered, and
// local subscribers of such a topic read it through an ordered consumer,
// which resumes after the last sequence delivered when the connection
// comes back: nothing is missed while the broker reconnects.

// WithHistory keeps the history of the topics that match the policies
// (the first matching policy applies) in JetStream streams, so that
// channels.WithRecovery can replay what a client missed. Every instance
// must be given the same policies. The server must enable JetStream.
func WithHistory(policies ...channels.HistoryPolicy) Option {
	return func(c *config) { c.history = append(c.history, policies...) }
}

var _ channels.HistoryBroker = (*Broker)(nil)

// histories holds the JetStream handle and the streams met so far.
type histories struct {
	once sync.Once
	js   jetstream.JetStream
	err  error

	mu      sync.Mutex
	streams map[string]jetstream.Stream // by topic
}

// HasHistory reports whether topic has history.
func (b *Broker) HasHistory(topic string) bool {
	_, ok := b.cfg.history.For(topic)
	return ok
}

// StreamName returns the name of topic's history stream.
func (b *Broker) StreamName(topic string) string {
	sum := sha256.Sum256([]byte(topic))
	return strings.TrimSuffix(b.names.presence, "_presence") + "_h_" + hex.EncodeToString(sum[:16])
}

func (b *Broker) jetStream() (jetstream.JetStream, error) {
	h := &b.hist
	h.once.Do(func() { h.js, h.err = jetstream.New(b.nc) })
	return h.js, h.err
}

// stream returns topic's history stream, created (or updated to the
// policy) on first use by this broker.
func (b *Broker) stream(ctx context.Context, topic string, p channels.HistoryPolicy) (jetstream.Stream, error) {
	h := &b.hist
	h.mu.Lock()
	s := h.streams[topic]
	h.mu.Unlock()
	if s != nil {
		return s, nil
	}
	js, err := b.jetStream()
	if err != nil {
		return nil, err
	}
	cfg := jetstream.StreamConfig{
		Name:     b.StreamName(topic),
		Subjects: []string{b.Subject(topic)},
		MaxMsgs:  int64(p.Count()),
		MaxBytes: -1,
		MaxAge:   p.MaxAge,
		// File storage: a restarted server keeps the messages. A memory
		// stream would come back empty under the same creation time, a
		// loss the epoch could not show.
		Storage:   jetstream.FileStorage,
		Discard:   jetstream.DiscardOld,
		Retention: jetstream.LimitsPolicy,
	}
	if p.MaxBytes > 0 {
		cfg.MaxBytes = int64(p.MaxBytes)
	}
	s, err = createOrUpdateStream(ctx, js, cfg)
	if err != nil {
		return nil, fmt.Errorf("natsbroker: history stream of %q: %w", topic, err)
	}
	h.mu.Lock()
	if h.streams == nil {
		h.streams = make(map[string]jetstream.Stream)
	}
	h.streams[topic] = s
	h.mu.Unlock()
	return s, nil
}

// createOrUpdateStream returns the stream cfg names, created, or brought
// to cfg's limits when they changed. It updates a stream only then: an
// update that reaches the server while the same stream is being created
// or deleted crashes nats-server 2.9 (a nil dereference in
// stream.updateWithAdvisory), and nats.go's CreateOrUpdateStream sends
// one on every call. Two instances that use a new topic at once both
// create its stream; the one refused because the other's creation was
// under way (createdMeanwhile) looks it up again.
func createOrUpdateStream(ctx context.Context, js jetstream.JetStream, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	for attempt := 0; ; attempt++ {
		s, err := js.Stream(ctx, cfg.Name)
		if err == nil {
			if sameLimits(s.CachedInfo().Config, cfg) {
				return s, nil
			}
			return js.UpdateStream(ctx, cfg)
		}
		if !errors.Is(err, jetstream.ErrStreamNotFound) {
			return nil, err
		}
		s, err = js.CreateStream(ctx, cfg)
		if err == nil || attempt == maxCreateAttempts-1 || !createdMeanwhile(err) {
			return s, err
		}
	}
}

// sameLimits reports whether the stream config have holds what want sets
// (the server fills in the fields want leaves out).
func sameLimits(have, want jetstream.StreamConfig) bool {
	return slices.Equal(have.Subjects, want.Subjects) && have.MaxMsgs == want.MaxMsgs &&
		have.MaxBytes == want.MaxBytes && have.MaxAge == want.MaxAge && have.Storage == want.Storage &&
		have.Discard == want.Discard && have.Retention == want.Retention
}

// forgetStream drops a cached stream that the server no longer has.
func (b *Broker) forgetStream(topic string) {
	b.hist.mu.Lock()
	delete(b.hist.streams, topic)
	b.hist.mu.Unlock()
}

// epochOf is the epoch of a stream: its creation time.
func epochOf(info *jetstream.StreamInfo) string {
	return strconv.FormatInt(info.Created.UnixNano(), 36)
}

// info reads topic's stream state, creating the stream when it is
// missing (deleted by someone: it comes back with a new epoch).
func (b *Broker) info(ctx context.Context, topic string, p channels.HistoryPolicy) (jetstream.Stream, *jetstream.StreamInfo, error) {
	for attempt := 0; ; attempt++ {
		s, err := b.stream(ctx, topic, p)
		if err != nil {
			return nil, nil, err
		}
		info, err := s.Info(ctx)
		if errors.Is(err, jetstream.ErrStreamNotFound) && attempt == 0 {
			b.forgetStream(topic)
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("natsbroker: history stream of %q: %w", topic, err)
		}
		return s, info, nil
	}
}

// publishHistory stores m in topic's stream; the stream's consumers
// deliver it.
func (b *Broker) publishHistory(ctx context.Context, topic string, p channels.HistoryPolicy, m *channels.Message) error {
	if _, err := b.stream(ctx, topic, p); err != nil {
		return err
	}
	js, _ := b.jetStream()
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	_, err := js.Publish(ctx, b.Subject(topic), channels.EncodeMessage(m))
	if errors.Is(err, jetstream.ErrNoStreamResponse) {
		// The stream was deleted: create it again (new epoch) and retry;
		// without a stream nothing was stored nor delivered.
		b.forgetStream(topic)
		if _, err = b.stream(ctx, topic, p); err == nil {
			_, err = js.Publish(ctx, b.Subject(topic), channels.EncodeMessage(m))
		}
	}
	if err != nil {
		return fmt.Errorf("natsbroker: publish %q: %w", topic, err)
	}
	return nil
}

// Recover reads topic's history (see channels.HistoryBroker).
func (b *Broker) Recover(ctx context.Context, topic string, q channels.RecoverQuery) (channels.Recovery, error) {
	if b.closed.Load() {
		return channels.Recovery{}, channels.ErrBrokerClosed
	}
	p, ok := b.cfg.history.For(topic)
	if !ok {
		return channels.Recovery{}, fmt.Errorf("%w: %q", channels.ErrNoHistory, topic)
	}
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	s, info, err := b.info(ctx, topic, p)
	if err != nil {
		return channels.Recovery{}, err
	}
	cur := channels.Position{Epoch: epochOf(info), Offset: info.State.LastSeq}
	oldest := info.State.FirstSeq
	if info.State.Msgs == 0 {
		oldest = cur.Offset + 1
	}
	from, ok := channels.PlanRecovery(q, cur, oldest)
	rec := channels.Recovery{Position: cur, Recovered: ok}
	if !ok || from > cur.Offset {
		return rec, nil
	}
	msgs, err := b.read(ctx, topic, s, cur.Epoch, from, cur.Offset)
	if err != nil {
		return channels.Recovery{}, err
	}
	if len(msgs) != int(cur.Offset-from+1) {
		// Trimmed while reading: never a silent partial replay.
		return channels.Recovery{Position: cur}, nil
	}
	rec.Messages = msgs
	return rec, nil
}

// read fetches the messages from..to of topic's stream, in order.
func (b *Broker) read(ctx context.Context, topic string, s jetstream.Stream, epoch string, from, to uint64) ([]*channels.Message, error) {
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:   from,
	})
	if err != nil {
		return nil, fmt.Errorf("natsbroker: read history of %q: %w", topic, err)
	}
	var out []*channels.Message
	for uint64(len(out)) < to-from+1 {
		want := int(min(to-from+1-uint64(len(out)), 1024))
		batch, err := cons.Fetch(want, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			return nil, fmt.Errorf("natsbroker: read history of %q: %w", topic, err)
		}
		n := 0
		for msg := range batch.Messages() {
			n++
			md, err := msg.Metadata()
			if err != nil || md.Sequence.Stream < from || md.Sequence.Stream > to {
				continue
			}
			m, err := channels.DecodeMessage(topic, msg.Data())
			if err != nil {
				return nil, fmt.Errorf("natsbroker: read history of %q: %w", topic, err)
			}
			m.Pos = channels.Position{Epoch: epoch, Offset: md.Sequence.Stream}
			out = append(out, m)
			if md.Sequence.Stream == to {
				return out, nil
			}
		}
		if err := batch.Error(); err != nil {
			return nil, fmt.Errorf("natsbroker: read history of %q: %w", topic, err)
		}
		if n == 0 {
			return out, nil // trimmed: the caller sees the shortfall
		}
	}
	return out, nil
}

// subscribeHistory delivers topic's stream to the local subscribers from
// the message after the current last one, through an ordered consumer.
func (b *Broker) subscribeHistory(ctx context.Context, topic string, p channels.HistoryPolicy, up *upstream) error {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	for attempt := 0; ; attempt++ {
		s, info, err := b.info(ctx, topic, p)
		if err != nil {
			return err
		}
		hs := &histSub{b: b, topic: topic, policy: p, up: up}
		epoch := epochOf(info)
		hs.epoch.Store(&epoch)
		cc, err := hs.consume(ctx, s, info.State.LastSeq+1)
		if errors.Is(err, jetstream.ErrStreamNotFound) && attempt == 0 {
			// Swept, or deleted, between the two calls: once more.
			b.forgetStream(topic)
			continue
		}
		if err != nil {
			return fmt.Errorf("natsbroker: subscribe %q: %w", topic, err)
		}
		up.setConsumer(cc)
		return nil
	}
}

// histSub is the ordered consumer of a topic with history.
type histSub struct {
	b        *Broker
	topic    string
	policy   channels.HistoryPolicy
	up       *upstream
	epoch    atomic.Pointer[string]
	checking atomic.Bool
}

// consume starts an ordered consumer at sequence from.
func (hs *histSub) consume(ctx context.Context, s jetstream.Stream, from uint64) (jetstream.ConsumeContext, error) {
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:   from,
	})
	if err != nil {
		return nil, err
	}
	return cons.Consume(hs.deliver, jetstream.ConsumeErrHandler(func(jetstream.ConsumeContext, error) { hs.check() }))
}

func (hs *histSub) deliver(msg jetstream.Msg) {
	if hs.up.gone.Load() {
		return
	}
	md, err := msg.Metadata()
	if err != nil {
		return
	}
	m, err := channels.DecodeMessage(hs.topic, msg.Data())
	if err != nil {
		hs.b.cfg.logger.Warn("natsbroker: dropped a malformed message", "topic", hs.topic, "err", err)
		return
	}
	m.Pos = channels.Position{Epoch: *hs.epoch.Load(), Offset: md.Sequence.Stream}
	hs.b.local.Deliver(m)
}

// check runs after a consumer error (a reconnection, a reset): when the
// stream was created again meanwhile (a new epoch), the ordered consumer,
// which would wait for the old sequence, is replaced by one that reads the
// new stream from its start, so that subscribers see the new epoch
// instead of a silent gap. The error may come while the stream is being
// deleted, so the stream is checked again a little later.
func (hs *histSub) check() {
	b := hs.b
	if b.closed.Load() || hs.up.gone.Load() || !hs.checking.CompareAndSwap(false, true) {
		return
	}
	b.wg.Go(func() {
		defer hs.checking.Store(false)
		for _, d := range recheckDelays {
			if !hs.wait(d) {
				return
			}
			changed, ok := hs.recheck()
			for attempt := 1; !ok; attempt++ {
				if !hs.wait(backoff(attempt)) {
					return
				}
				changed, ok = hs.recheck()
			}
			if changed {
				return
			}
		}
	})
}

// recheckDelays are the waits before each check of the stream after a
// consumer error.
var recheckDelays = [...]time.Duration{0, 500 * time.Millisecond, 2 * time.Second}

// wait waits d and reports whether the subscription still runs.
func (hs *histSub) wait(d time.Duration) bool {
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-hs.b.ctx.Done():
		case <-t.C:
		}
	}
	return hs.b.ctx.Err() == nil && !hs.up.gone.Load()
}

// recheck compares the stream's epoch with the consumer's and replaces the
// consumer when it changed. ok is false when the server could not be
// asked.
func (hs *histSub) recheck() (changed, ok bool) {
	ctx, cancel := context.WithTimeout(hs.b.ctx, opTimeout)
	defer cancel()
	// Look, never create: the stream may be in the middle of its
	// deletion; a publisher creates it again.
	js, err := hs.b.jetStream()
	if err != nil {
		return false, false
	}
	s, err := js.Stream(ctx, hs.b.StreamName(hs.topic))
	if err != nil {
		return false, false
	}
	info, err := s.Info(ctx)
	if err != nil {
		return false, false
	}
	epoch := epochOf(info)
	if epoch == *hs.epoch.Load() {
		return false, true
	}
	hs.b.cfg.logger.Warn("natsbroker: history stream created again; its subscribers are told", "topic", hs.topic)
	hs.epoch.Store(&epoch)
	cc, err := hs.consume(ctx, s, 1)
	if err != nil {
		return false, false
	}
	hs.up.replaceConsumer(cc)
	return true, true
}
