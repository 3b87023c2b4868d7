package nexo

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
)

// Dependency injection, the Go way, comes first from closures and struct
// fields: a handler built by a function that takes the database, or an
// endpoint type with a DB field (see the package examples). Provide and
// Value add app-scoped values for code that cannot be handed its
// dependencies that way (middleware shared by several apps, handlers
// registered by a package), without a global: the values live in the
// App's base context, which every connection's context derives from.

// provided holds an App's values by type.
type provided struct {
	m   sync.Map    // typeKey[T]{} → T
	any atomic.Bool // something was provided: ServeHTTP passes the values on
}

// providedKey is the context key of an App's values.
type providedKey struct{}

// typeKey[T] is the key of the value of type T: one key per type, with no
// reflection.
type typeKey[T any] struct{}

// withProvided returns ctx carrying an empty set of values.
func withProvided(ctx context.Context) context.Context {
	return context.WithValue(ctx, providedKey{}, &provided{})
}

func providedIn(ctx context.Context) *provided {
	p, _ := ctx.Value(providedKey{}).(*provided)
	return p
}

// Provide makes v the App's value of type T, which every handler of the App
// reads with Value[T]: a WebSocket handler from c.Context(), an HTTP
// handler from r.Context(). There is one value per type; a second Provide
// of the same T replaces the first, so give two values of one underlying
// type named types of their own (type ReadDB *sql.DB). T may be an
// interface: Provide[Store](app, redisStore).
//
// Provide is safe for concurrent use; it is meant for setup, and a value
// provided later is seen by the handlers that read it afterwards.
func Provide[T any](a *App, v T) {
	p := providedIn(a.ctx)
	p.m.Store(typeKey[T]{}, v)
	p.any.Store(true)
}

// Value returns the value of type T provided to the App whose connection or
// request ctx belongs to, and whether there is one.
//
//	db, ok := nexo.Value[*sql.DB](c.Context())
func Value[T any](ctx context.Context) (T, bool) {
	var zero T
	p := providedIn(ctx)
	if p == nil {
		return zero, false
	}
	v, ok := p.m.Load(typeKey[T]{})
	if !ok {
		return zero, false
	}
	t, _ := v.(T) // a nil interface value is stored as nil
	return t, true
}

// withValues returns r with the App's values in its context, when there
// are any. Connections have them already, from the App's context.
func (a *App) withValues(r *http.Request) *http.Request {
	p := providedIn(a.ctx)
	if !p.any.Load() {
		return r
	}
	return r.WithContext(context.WithValue(r.Context(), providedKey{}, p))
}
