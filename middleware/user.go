package middleware

import (
	"errors"
	"reflect"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

// UserKey is the ws.Conn value key under which the authenticators of this
// package store the user. It is channels.UserKey, so that channels made
// with channels.WithAuthRequired accept the connections they let in.
const UserKey = channels.UserKey

// ErrNoUser is returned by UserAs when no user is stored under UserKey, or
// the stored user is nil (an anonymous connection let in by an optional
// SessionAuth).
var ErrNoUser = errors.New("middleware: no user on the connection")

// UserTypeError is returned by UserAs when the stored user is not of the
// type asked for: a setup mistake, such as a verifier that stores a *User
// read as a User.
type UserTypeError struct {
	Want reflect.Type // the type asked for
	Got  reflect.Type // the type of the stored user
}

func (e *UserTypeError) Error() string {
	return "middleware: the user on the connection is a " + e.Got.String() + ", not a " + e.Want.String()
}

// User returns the user stored under UserKey as a T. It reports false when
// no user is stored, when the stored user is nil (an anonymous connection
// let in by an optional SessionAuth) or when it is not a T; UserAs tells
// these apart.
func User[T any](c *ws.Conn) (T, bool) {
	u, err := UserAs[T](c)
	return u, err == nil
}

// UserAs returns the user stored under UserKey as a T. The error is
// ErrNoUser when there is none (or it is nil), and a *UserTypeError when
// the stored user is not a T, so that a mismatch between what the verifier
// stores and what the handler reads shows instead of looking like an
// anonymous connection.
func UserAs[T any](c *ws.Conn) (T, error) {
	v, _ := c.Get(UserKey)
	u, ok := v.(T)
	switch {
	case ok:
		return u, nil
	case v == nil:
		return u, ErrNoUser
	}
	return u, &UserTypeError{Want: reflect.TypeFor[T](), Got: reflect.TypeOf(v)}
}
