package channels

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/nexogo/nexo/ws"
)

// WithRecovery makes the subscription recover what the client missed. The
// topic must have history (a HistoryBroker configured for it, such as
// NewMemoryBroker(KeepHistory(...))); Join returns ErrNoHistory otherwise.
//
// Every message is then sent as a "pub" frame carrying its position:
//
//	{"type":"pub","topic":"chat:lobby","epoch":"E","offset":42,"data":<payload>}
//
// where data is the JSON value, a string payload as a JSON string, and a
// []byte payload as a base64 JSON string with "encoding":"base64". Join
// reads the client's last position for the topic from the handshake query
// parameter SinceParam, replays every later message still in the history,
// in order, then sends
//
//	{"type":"joined","topic":"chat:lobby","epoch":"E","offset":57,"recovered":true}
//
// and continues live from the message after offset 57, with no gap and no
// duplicate between replay and live delivery. When the position cannot be
// honoured (another epoch, or a gap larger than the history) nothing is
// replayed and "recovered" is false: the client must resynchronise by
// other means. Without a position, "recovered" is true and nothing is
// replayed unless RecoverLast asks for it.
//
// The replay is queued at once, so the connection's send queue
// (ws.WithSendQueue) must hold the largest replay the history allows.
func WithRecovery() JoinOption { return func(c *joinConfig) { c.recover = true } }

// RecoverLast is WithRecovery that also replays the last n messages to a
// client that gave no position (a newcomer).
func RecoverLast(n int) JoinOption {
	return func(c *joinConfig) { c.recover, c.last = true, n }
}

// RecoverSince is WithRecovery from the position p, instead of the one the
// client gave at the handshake.
func RecoverSince(p Position) JoinOption {
	return func(c *joinConfig) { c.recover, c.since = true, &p }
}

// pubFrame is the frame of a message on a recovering subscription.
type pubFrame struct {
	Type     string          `json:"type"`
	Topic    string          `json:"topic"`
	Epoch    string          `json:"epoch"`
	Offset   uint64          `json:"offset"`
	Encoding string          `json:"encoding,omitempty"`
	Data     json.RawMessage `json:"data"`
}

// JoinedFrame is the frame that ends a recovery: the position the client
// now has, and whether its own position was honoured. A JoinedFrame is a
// plain value.
type JoinedFrame struct {
	Type      string `json:"type"` // "joined"
	Topic     string `json:"topic"`
	Epoch     string `json:"epoch"`
	Offset    uint64 `json:"offset"`
	Recovered bool   `json:"recovered"`
}

// PubFrame returns m as the "pub" frame of a recovering subscription,
// built once per message.
func (m *Message) PubFrame() *ws.PreparedMessage {
	m.pubOnce.Do(func() {
		f := pubFrame{Type: "pub", Topic: m.Topic, Epoch: m.Pos.Epoch, Offset: m.Pos.Offset}
		switch {
		case m.Type == ws.BinaryMessage:
			f.Encoding = "base64"
			f.Data, _ = json.Marshal(base64.StdEncoding.EncodeToString(m.Data))
		case m.JSON && json.Valid(m.Data):
			f.Data = m.Data
		default:
			f.Data, _ = json.Marshal(string(m.Data))
		}
		b, _ := json.Marshal(f)
		m.pub = prepare(ws.TextMessage, b, m.Compress)
	})
	return m.pub
}

// recovery is the state of a recovering subscription. Until the replay is
// queued, live messages are buffered; afterwards only messages after the
// last position sent go out.
type recovery struct {
	replayed bool
	buffered []*Message
	last     Position
}

// deliverRecovering queues m as a pub frame unless the client has it.
// When m shows that messages were lost on the way (the broker's history
// was lost, or a gap the broker could not fill), a joined frame with
// recovered:false comes first. Called with s.mu held.
func (s *Subscription) deliverRecovering(m *Message) {
	r := s.rec
	if !r.replayed {
		r.buffered = append(r.buffered, m)
		return
	}
	if m.Pos.Epoch == "" {
		if m.forConn(s.c.ID()) {
			s.c.SendPrepared(m.Prepared()) // not topic data: a broadcast
		}
		return
	}
	if m.Pos.Epoch == r.last.Epoch && m.Pos.Offset <= r.last.Offset {
		return
	}
	if m.Pos.Epoch != r.last.Epoch || m.Pos.Offset > r.last.Offset+1 {
		s.c.SendJSON(JoinedFrame{Type: "joined", Topic: s.topic,
			Epoch: m.Pos.Epoch, Offset: m.Pos.Offset - 1, Recovered: false})
	}
	r.last = m.Pos
	if m.forConn(s.c.ID()) {
		s.c.SendPrepared(m.PubFrame())
	}
}

// recover replays the history to a subscription that the broker already
// delivers to, then sends the joined frame and the buffered messages.
func (s *Subscription) recover(ctx context.Context, hb HistoryBroker, cfg *joinConfig) error {
	q := RecoverQuery{Since: cfg.since, Last: cfg.last}
	if q.Since == nil {
		q.Since = sinceFor(s.c, s.topic)
	}
	rec, err := hb.Recover(ctx, s.topic, q)
	if err != nil {
		return fmt.Errorf("channels: recover %q: %w", s.topic, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range rec.Messages {
		if m.forConn(s.c.ID()) {
			s.c.SendPrepared(m.PubFrame())
		}
	}
	s.rec.last, s.rec.replayed = rec.Position, true
	if err := s.c.SendJSON(JoinedFrame{Type: "joined", Topic: s.topic,
		Epoch: rec.Position.Epoch, Offset: rec.Position.Offset, Recovered: rec.Recovered}); err != nil {
		return err
	}
	buffered := s.rec.buffered
	s.rec.buffered = nil
	for _, m := range buffered {
		s.deliverRecovering(m)
	}
	return nil
}
