package nexo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

// ErrNoUserID is returned by DisconnectUser for an empty user ID, which
// would name every anonymous connection.
var ErrNoUserID = errors.New("nexo: empty user ID")

// disconnect is a close command sent to other instances on the direct
// topics.
type disconnect struct {
	Conn   string `json:"conn,omitempty"`
	User   string `json:"user,omitempty"`
	Code   int    `json:"code"`
	Reason string `json:"reason,omitempty"`
	From   string `json:"from"` // the sending instance, which has done its part
}

// Disconnect closes the connection with the given ID with code and reason,
// wherever it is connected. A connection of this instance is closed
// directly; otherwise the command goes through the broker to the instance
// that holds the connection (its ID names it). ctx bounds the publish. No
// error tells that the ID is unknown or that the connection has already
// ended.
//
// A connection whose handshake has not completed yet completes it and is
// closed at once, so that the client sees the code. A code a close frame
// may not carry (see ws.ValidCloseCode) closes nothing and returns an
// error matching ws.ErrInvalidCloseCode.
func (a *App) Disconnect(ctx context.Context, connID string, code int, reason string) error {
	if err := checkCloseCode(code); err != nil {
		return err
	}
	if c, ok := a.ws.Conn(connID); ok {
		c.Close(code, reason)
		return nil
	}
	topic, local := a.route(connID)
	if local { // ours, and gone
		return nil
	}
	return a.sendCommand(ctx, topic, disconnect{Conn: connID, Code: code, Reason: reason})
}

// DisconnectUser closes every connection of the user, on every instance,
// with code and reason: this instance's at once, the others' through the
// broker (ctx bounds the publish). The user of a connection is what
// WithUserID's function returns for it. When the publish fails, this
// instance's connections are closed all the same and the error is
// returned.
//
// Every instance looks at each of its connections to find the user's.
func (a *App) DisconnectUser(ctx context.Context, userID string, code int, reason string) error {
	if userID == "" {
		return ErrNoUserID
	}
	if err := checkCloseCode(code); err != nil {
		return err
	}
	a.closeUser(userID, code, reason)
	return a.sendCommand(ctx, directTopic, disconnect{User: userID, Code: code, Reason: reason})
}

// checkCloseCode refuses a code a close frame may not carry.
func checkCloseCode(code int) error {
	if !ws.ValidCloseCode(code) {
		return fmt.Errorf("nexo: disconnect: %w: %d", ws.ErrInvalidCloseCode, code)
	}
	return nil
}

// closeUser closes this instance's connections of the user.
func (a *App) closeUser(userID string, code int, reason string) {
	for _, c := range a.ws.Conns() {
		if a.cfg.userID(c) == userID {
			c.Close(code, reason)
		}
	}
}

// sendCommand publishes d on topic.
func (a *App) sendCommand(ctx context.Context, topic string, d disconnect) error {
	d.From = a.instance
	m, err := channels.NewMessage(topic, d)
	if err != nil {
		return err
	}
	return a.broker.Publish(ctx, topic, m)
}

// command carries out a command received on a direct topic.
func (a *App) command(m *channels.Message) {
	var d disconnect
	if json.Unmarshal(m.Data, &d) != nil || d.From == a.instance {
		return
	}
	switch {
	case d.Conn != "":
		if c, ok := a.ws.Conn(d.Conn); ok {
			c.Close(d.Code, d.Reason)
		}
	case d.User != "":
		a.closeUser(d.User, d.Code, d.Reason)
	}
}

// UserIDOf returns the user ID that DisconnectUser matches by default: the
// value stored under channels.UserKey (where nexo's auth middleware puts
// the user) when it is a string, or what its UserID method returns when it
// has one; "" otherwise.
func UserIDOf(c *ws.Conn) string {
	v, _ := c.Get(channels.UserKey)
	switch u := v.(type) {
	case string:
		return u
	case interface{ UserID() string }:
		return u.UserID()
	}
	return ""
}
