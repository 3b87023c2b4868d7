package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

// session is one page in one room: its connection, its subscription and
// the name it goes by, unique in the room. Its methods run on the
// connection's handler goroutine.
type session struct {
	ch    *chat
	c     *ws.Conn
	room  *room
	topic string
	sub   *channels.Subscription
	name  string
	tab   string // see tabOf
}

// join joins the page to the room as want (or want (2), ... when taken),
// with the room's presence events and recent history, and sends the
// welcome. tab identifies the page (see tabOf).
func (ch *chat) join(c *ws.Conn, r *room, roomName, want, tab string) (*session, error) {
	s := &session{ch: ch, c: c, room: r, topic: "chat:" + roomName, tab: tab}
	presence, err := ch.presence()
	if err != nil {
		return nil, err
	}
	// Presence events first, so that the page misses no join after the
	// user list it is about to receive.
	if _, err := channels.Join(c, channels.PresenceTopic(s.topic)); err != nil {
		return nil, err
	}
	// The name is chosen and taken under the room's lock, so that two
	// pages of this process never get the same. The recovered messages,
	// then {"type":"joined"}, arrive before the welcome.
	asked := cleanName(want)
	r.names.Lock()
	entries, err := presence.List(c.Context(), s.topic)
	if err == nil {
		s.name = uniqueName(entries, asked, "", tab)
		s.sub, err = channels.Join(c, s.topic, roomOptions(ch.app, s.topic, s.name, tab)...)
	}
	r.names.Unlock()
	if err != nil {
		return nil, err
	}
	if entries, err = s.settle(asked); err != nil {
		return nil, err
	}
	w := welcome{Type: "welcome", You: s.name, ID: c.ID(), Room: roomName,
		Users: make([]string, 0, len(entries)), Members: make([]member, 0, len(entries))}
	for _, e := range entries {
		w.Users = append(w.Users, e.UserID)
		w.Members = append(w.Members, member{ID: e.ConnID, Name: e.UserID})
	}
	return s, c.SendJSON(w)
}

// maxSettle bounds the renames of settle. Each round, of the pages that
// took one name at once, the first to take it keeps it: sixteen pages
// joining as one name at once settle in fewer rounds than that.
const maxSettle = 32

// settle gives way when another instance gave the page's name to another
// connection at the same moment (the room's lock covers the pages of one
// process only): of the two, the one that took the name later (later in
// the room's presence, which lists connections in the order the broker
// stored their names, see rename) takes the next free name, asked (2),
// asked (3)... and checks again. It returns the room's entries.
func (s *session) settle(asked string) ([]channels.PresenceEntry, error) {
	for range maxSettle {
		entries, err := s.sub.Presence()
		if err != nil || !s.outnamed(entries) {
			return entries, err
		}
		if _, err := s.rename(asked); err != nil {
			return nil, err
		}
	}
	return s.sub.Presence()
}

// outnamed reports whether a connection of another page took the page's
// name before it: holds it, earlier in entries (presence, oldest first).
func (s *session) outnamed(entries []channels.PresenceEntry) bool {
	for _, e := range entries {
		if e.ConnID == s.c.ID() {
			return false
		}
		if e.UserID == s.name && !samePage(e, s.tab) {
			return true
		}
	}
	return false
}

// presence returns the broker's presence.
func (ch *chat) presence() (channels.Presence, error) {
	pb, ok := ch.app.Broker().(channels.PresenceBroker)
	if !ok {
		return nil, channels.ErrNoPresence
	}
	return pb.Presence(), nil
}

// handle carries out one frame of the page and returns the reply's data.
// A failure of the broker is an errNotDelivered.
func (s *session) handle(in inbound) (data any, err error) {
	msg := chatMessage{Type: in.Type, From: s.name, Text: in.Text, At: time.Now().UTC()}
	switch in.Type {
	case "message":
		err = s.sub.Publish(msg)
	case "private":
		err = s.private(msg, cleanName(in.To), in.ToID)
	default:
		if _, err = s.rename(in.Name); err == nil {
			_, err = s.settle(cleanName(in.Name)) // another page may have taken it at once
		}
		data = renamed{Name: s.name}
	}
	if err != nil && !errors.Is(err, ws.ErrClosed) && !errors.As(err, new(unknownUserError)) {
		err = fmt.Errorf("%w: %w", errNotDelivered, err)
	}
	return data, err
}

// private delivers msg to one connection of the room, on whichever
// instance: the one whose ID is toID, or else the newest one named to (an
// older one of the same page is on its way out). It echoes msg to the
// sender.
func (s *session) private(msg chatMessage, to, toID string) error {
	entries, err := s.sub.Presence()
	if err != nil {
		return err
	}
	for _, e := range slices.Backward(entries) { // newest first
		if e.ConnID == s.c.ID() || (toID != "" && e.ConnID != toID) || (toID == "" && e.UserID != to) {
			continue
		}
		msg.To = e.UserID
		if err := s.ch.app.SendTo(e.ConnID, msg); err != nil {
			return err
		}
		return s.c.SendJSON(msg)
	}
	return unknownUserError{to}
}

// rename gives the page the name want (or want (2), ... when taken) and
// tells the room with a presence event {"event":"rename"} that carries the
// connection's entry with its new name. It returns the name given.
func (s *session) rename(want string) (string, error) {
	presence, err := s.ch.presence()
	if err != nil {
		return "", err
	}
	s.room.names.Lock()
	defer s.room.names.Unlock()
	ctx := s.c.Context()
	entries, err := presence.List(ctx, s.topic)
	if err != nil {
		return "", err
	}
	name := uniqueName(entries, cleanName(want), s.c.ID(), s.tab)
	if name == s.name {
		return name, nil
	}
	self := channels.PresenceEntry{ConnID: s.c.ID(), JoinedAt: time.Now().UTC(), Meta: tabMeta(s.tab)}
	for _, e := range entries {
		if e.ConnID == s.c.ID() {
			self = e
		}
	}
	// A new name is a new entry, listed after every entry stored before
	// it (a second Join would keep the old place): whoever took the name
	// first is first in every listing, so that settle, on every instance,
	// lets that connection keep it.
	if err := presence.Leave(ctx, s.topic, self.ConnID); err != nil {
		return "", err
	}
	self.UserID, self.JoinedAt = name, time.Now().UTC()
	if err := presence.Join(ctx, s.topic, self); err != nil {
		return "", fmt.Errorf("%w: %w", errUnlisted, err)
	}
	s.name = name
	ev := channels.PresenceEvent{Type: "presence", Event: "rename", Topic: s.topic, Entry: self}
	return name, channels.Publish(context.WithoutCancel(ctx), s.ch.app.Broker(), channels.PresenceTopic(s.topic), ev)
}
