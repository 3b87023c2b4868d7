package channels

import (
	"context"
	"errors"
	"path"
	"strings"
	"time"
)

// DefaultHistoryCount bounds a HistoryPolicy whose MaxCount is zero.
const DefaultHistoryCount = 1000

// HistoryPolicy turns history on for the topics that match Pattern and
// bounds it: a topic keeps at most MaxCount messages, MaxBytes payload
// bytes and messages younger than MaxAge, whichever bound is reached
// first. Zero MaxBytes or MaxAge means no such bound; zero MaxCount means
// DefaultHistoryCount.
//
// Pattern is a topic ("chat:lobby"), a prefix followed by "*" ("chat:*"
// matches every topic that starts with "chat:", except presence topics),
// or a path.Match pattern. The App's own topics (ReservedPrefix) match
// only a pattern that starts with ReservedPrefix: "*" keeps neither the
// messages SendTo carries between instances nor broadcasts.
//
// A HistoryPolicy is a plain value.
type HistoryPolicy struct {
	Pattern  string
	MaxCount int
	MaxBytes int
	MaxAge   time.Duration
}

// Matches reports whether topic falls under the policy. A presence topic
// (PresenceTopic) matches only a pattern that names presence topics
// ("chat:*#presence"): "chat:*" does not keep every join and leave. A
// topic of the App's own (ReservedPrefix) matches only a pattern that
// starts with ReservedPrefix.
func (p HistoryPolicy) Matches(topic string) bool {
	if strings.HasPrefix(topic, ReservedPrefix) && !strings.HasPrefix(p.Pattern, ReservedPrefix) {
		return false
	}
	if suffix := PresenceTopic(""); strings.HasSuffix(topic, suffix) && !strings.Contains(p.Pattern, suffix) {
		return false
	}
	if prefix, ok := strings.CutSuffix(p.Pattern, "*"); ok && !strings.ContainsAny(prefix, `*?[\`) {
		return strings.HasPrefix(topic, prefix)
	}
	ok, err := path.Match(p.Pattern, topic)
	return err == nil && ok
}

// Count returns MaxCount, or DefaultHistoryCount when it is zero or less.
func (p HistoryPolicy) Count() int {
	if p.MaxCount <= 0 {
		return DefaultHistoryCount
	}
	return p.MaxCount
}

// HistoryPolicies is a list of policies; the first that matches a topic
// applies to it.
type HistoryPolicies []HistoryPolicy

// For returns the policy that applies to topic, and whether there is one.
func (ps HistoryPolicies) For(topic string) (HistoryPolicy, bool) {
	for _, p := range ps {
		if p.Matches(topic) {
			return p, true
		}
	}
	return HistoryPolicy{}, false
}

// HistoryBroker is a Broker that keeps history for some topics: every
// message it publishes on such a topic carries its Position (Message.Pos),
// delivered and stored together, and Recover reads what a subscriber
// missed. Join's WithRecovery needs one.
type HistoryBroker interface {
	Broker
	// HasHistory reports whether topic has history.
	HasHistory(topic string) bool
	// Recover reads topic's history for a subscriber that Subscribe has
	// already added, so that every message is either in the answer or
	// delivered to it afterwards (or both: the caller drops duplicates by
	// offset). It returns ErrNoHistory for a topic without history.
	Recover(ctx context.Context, topic string, q RecoverQuery) (Recovery, error)
}

// RecoverQuery says what a subscriber wants from a topic's history.
type RecoverQuery struct {
	// Since is the last position the subscriber has; nil means none.
	Since *Position
	// Last is how many of the latest messages to return when Since is
	// nil.
	Last int
}

// Recovery is the answer of HistoryBroker.Recover.
type Recovery struct {
	// Messages are the messages after Since (or the Last ones), oldest
	// first; none when Recovered is false.
	Messages []*Message
	// Position is the topic's position when it was read: the position of
	// the last message published, with Offset 0 when none was.
	Position Position
	// Recovered is false when Since cannot be honoured: another epoch, an
	// offset beyond Position, or a gap larger than what the history still
	// holds.
	Recovered bool
}

// ErrNoHistory is returned by Recover, and by Join with WithRecovery, for
// a topic the broker keeps no history for.
var ErrNoHistory = errors.New("channels: topic has no history")

// PlanRecovery decides, for a broker implementing Recover, which offsets
// to read: the topic is at cur, and its history still holds the offsets
// from oldest to cur.Offset (oldest is cur.Offset+1 when it holds none).
// It returns the first offset to read (none when from > cur.Offset) and
// whether q is honoured.
func PlanRecovery(q RecoverQuery, cur Position, oldest uint64) (from uint64, recovered bool) {
	top := cur.Offset
	if q.Since == nil {
		if q.Last <= 0 || top == 0 {
			return top + 1, true
		}
		from = oldest
		if uint64(q.Last) < top && top-uint64(q.Last)+1 > from {
			from = top - uint64(q.Last) + 1
		}
		return from, true
	}
	s := *q.Since
	if s.Epoch != cur.Epoch || s.Offset > top || s.Offset+1 < oldest {
		return top + 1, false
	}
	return s.Offset + 1, true
}
