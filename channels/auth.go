package channels

import "errors"

// UserKey is the ws.Conn value key under which the authenticated user is
// stored: nexo's auth middleware sets it, and channels made with
// WithAuthRequired check it. Read it with c.Get(channels.UserKey).
const UserKey = "nexo.user"

// ErrUnauthenticated is returned by the sends and receives of a channel made
// with WithAuthRequired while no user is stored under UserKey.
var ErrUnauthenticated = errors.New("channels: not authenticated")
