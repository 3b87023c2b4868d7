package main

import (
	"errors"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/middleware"
	"github.com/nexogo/nexo/ws"
)

// maxPostBytes is the largest message /feed reads: a post is at most
// maxPostChars characters, up to 2,000 bytes of UTF-8, plus its JSON. The
// page checks both before it sends.
const (
	maxPostChars = 500
	maxPostBytes = 4 << 10
)

// inbound is what a client may send: the text, and a reference of the
// client's choosing that comes back with the post (or with the error), so
// that the page knows which of its posts went out. An "author" field in
// the payload is not even decoded.
type inbound struct {
	Text string `json:"text" validate:"required,max=500"`
	Ref  string `json:"ref" validate:"max=64"`
}

// post is what everyone receives.
type post struct {
	Type   string `json:"type"` // "post"
	Author string `json:"author"`
	Text   string `json:"text"`
	Ref    string `json:"ref,omitempty"`
}

// welcome tells a new connection who it is ("" when anonymous).
type welcome struct {
	Type string `json:"type"` // "welcome"
	You  string `json:"you"`
}

const feedTopic = "feed"

// feed sends every post to every reader and publishes the posts of
// logged-in users under their session's name. A logged-in connection
// lives no longer than its session.
func feed(s *sessions) ws.HandlerFunc {
	return func(c *ws.Conn) error {
		if err := c.Accept(); err != nil {
			return err
		}
		me, loggedIn := middleware.User[user](c)
		if loggedIn && s.isEnded(me.Session) { // ended during the handshake
			return c.Close(ws.CloseUnauthorized, "logged out")
		}
		sub, err := channels.Join(c, feedTopic)
		if err != nil {
			return err
		}
		if err := c.SendJSON(welcome{Type: "welcome", You: me.Name}); err != nil {
			return err
		}
		for {
			in, err := ws.Decode[inbound](c)
			if errors.Is(err, ws.ErrClosed) {
				return err
			}
			if err != nil {
				c.SendJSON(withRef(ws.NewErrorFrame(err), in.Ref)) // invalid input: say so, stay connected
				continue
			}
			if !loggedIn {
				c.SendJSON(withRef(ws.ErrorFrame{Type: "error", Error: "unauthorized", Message: "log in to post"}, in.Ref))
				continue
			}
			if err := sub.Publish(post{Type: "post", Author: me.Name, Text: in.Text, Ref: in.Ref}); err != nil {
				return err
			}
		}
	}
}

// withRef sets the error frame's ref when the client gave one.
func withRef(f ws.ErrorFrame, ref string) ws.ErrorFrame {
	if ref != "" {
		f.Ref = ref
	}
	return f
}
