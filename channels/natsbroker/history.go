package natsbroker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/nexogo/nexo/channels"
)

// History: every topic with history has a JetStream stream of its own,
// named <bucket>_h_<hash of the topic>, that captures the topic's subject
// and is bounded by the policy (MaxMsgs, MaxBytes, MaxAge, discarding the
// oldest). A message's offset is its stream sequence, and the epoch is
// the stream's creation time: a deleted and recreated stream has a new
// one. Publishing waits for the stream's acknowledgement, so a message is
// stored before it is delivered, and local subscribers of such a topic
// read it through an ordered consumer, which resumes after the last
// sequence delivered when the connection comes back: nothing is missed
// while the broker reconnects.

// WithHistory keeps the history of the topics that match the policies
// (the first matching policy applies) in JetStream streams, so that
// channels.WithRecovery can replay what a client missed. Every instance
// must be given the same policies. The server must enable JetStream.
func WithHistory(policies ...channels.HistoryPolicy) Option {
	return func(c *config) { c.history = append(c.history, policies...) }
}

// WithHistoryStorage sets where history streams are kept (default
// jetstream.FileStorage, which survives a server restart).
func WithHistoryStorage(s jetstream.StorageType) Option {
	return func(c *config) { c.storage = s }
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
		Name:      b.StreamName(topic),
		Subjects:  []string{b.Subject(topic)},
		MaxMsgs:   int64(p.Count()),
		MaxBytes:  -1,
		MaxAge:    p.MaxAge,
		Storage:   b.cfg.storage,
		Discard:   jetstream.DiscardOld,
		Retention: jetstream.LimitsPolicy,
	}
	if p.MaxBytes > 0 {
		cfg.MaxBytes = int64(p.MaxBytes)
	}
	s, err = js.CreateOrUpdateStream(ctx, cfg)
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
	s, info, err := b.info(ctx, topic, p)
	if err != nil {
		return err
	}
	epoch := epochOf(info)
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:   info.State.LastSeq + 1,
	})
	if err != nil {
		return fmt.Errorf("natsbroker: subscribe %q: %w", topic, err)
	}
	cc, err := cons.Consume(func(msg jetstream.Msg) {
		if up.gone.Load() {
			return
		}
		md, err := msg.Metadata()
		if err != nil {
			return
		}
		m, err := channels.DecodeMessage(topic, msg.Data())
		if err != nil {
			b.cfg.logger.Warn("natsbroker: dropped a malformed message", "topic", topic, "err", err)
			return
		}
		m.Pos = channels.Position{Epoch: epoch, Offset: md.Sequence.Stream}
		b.local.Deliver(m)
	})
	if err != nil {
		return fmt.Errorf("natsbroker: subscribe %q: %w", topic, err)
	}
	up.setConsumer(cc)
	return nil
}
