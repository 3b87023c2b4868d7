package channels

import (
	"errors"
	"fmt"
	"time"
)

// historyChoice is what a send asked of history: nothing, SaveHistory or
// NoHistory.
type historyChoice int

const (
	historyByPolicy historyChoice = iota
	historySave
	historySkip
)

// SaveHistory keeps the message in history (Nexios's
// group_send(save_history=True)).
//
// On a group send (Group.Send and its variants) the message joins the
// group's history, which Registry.History and Group.History show and
// AddWithHistory replays to a newcomer. The group's Registry policy
// (WithGroupHistory) bounds it; without one, DefaultHistoryCount does.
//
// A topic's history is its broker's, and gives every message an offset
// that clients recover by (see WithRecovery): a message cannot be added
// to it, or left out of it, one at a time without breaking the
// exactly-once replay. On a topic publish (Subscription.Publish,
// Publish), SaveHistory therefore asserts that the topic has history and
// returns an error matching ErrNoHistory when its broker keeps none.
func SaveHistory() PublishOption { return func(c *publishConfig) { c.history = historySave } }

// NoHistory keeps the message out of history, for messages that are of no
// use later (a typing indicator, a cursor).
//
// On a group send it overrides the Registry's WithGroupHistory policy
// for this message. On a topic publish it asserts that the topic has no
// history, and returns an error matching ErrHistoryOption when the
// broker keeps one (publish such messages on a topic without history).
func NoHistory() PublishOption { return func(c *publishConfig) { c.history = historySkip } }

// ErrHistoryOption is returned by a topic publish with NoHistory on a
// topic whose broker keeps history: see NoHistory.
var ErrHistoryOption = errors.New("channels: a message cannot be left out of a topic's history")

// publishOptions applies opts.
func publishOptions(opts []PublishOption) publishConfig {
	var cfg publishConfig
	for _, o := range opts {
		o(&cfg)
	}
	return cfg
}

// check reports whether a publish on topic through b may honour the
// choice.
func (h historyChoice) check(b Broker, topic string) error {
	if h == historyByPolicy {
		return nil
	}
	hb, ok := b.(HistoryBroker)
	has := ok && hb.HasHistory(topic)
	switch {
	case h == historySave && !has:
		return fmt.Errorf("channels: SaveHistory: %w: %q", ErrNoHistory, topic)
	case h == historySkip && has:
		return fmt.Errorf("%w: %q", ErrHistoryOption, topic)
	}
	return nil
}

// kept is a group send to keep in history, encoded before the send.
type kept struct {
	h *groupHistory
	e groupEntry
}

// keeper returns the history entry of a send of v to g, or nil when the
// send is not kept: neither SaveHistory nor a policy asks for it, or
// NoHistory says no, or v fits no payload type.
func (g *Group) keeper(v any, only PayloadType, opts []PublishOption) *kept {
	if len(opts) == 0 && (g.reg == nil || len(g.reg.cfg.history) == 0) {
		return nil // the common case, checked first
	}
	cfg := publishOptions(opts)
	choice := cfg.history
	p, byPolicy := g.policy()
	if choice == historySkip || (choice == historyByPolicy && !byPolicy) {
		return nil
	}
	e, ok := newGroupEntry(v, only, time.Now(), cfg.compress)
	if !ok {
		return nil
	}
	return &kept{h: g.historyOf(p, true), e: e}
}
