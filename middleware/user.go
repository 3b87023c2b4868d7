package middleware

import (
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

// UserKey is the ws.Conn value key under which the authenticators of this
// package store the user. It is channels.UserKey, so that channels made
// with channels.WithAuthRequired accept the connections they let in.
const UserKey = channels.UserKey

// User returns the user stored under UserKey as a T. It reports false when
// no user is stored, when the stored user is nil (an anonymous connection
// let in by an optional SessionAuth) or when it is not a T.
func User[T any](c *ws.Conn) (T, bool) {
	v, _ := c.Get(UserKey)
	u, ok := v.(T)
	return u, ok
}
