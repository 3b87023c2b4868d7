package nexo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/nexogo/nexo/channels"
)

// Health checks for load balancers and orchestrators. They are opt-in:
// register them on the paths your platform probes.
//
//	app.Get("/healthz", app.Healthz) // liveness: the process answers
//	app.Get("/readyz", app.Readyz)   // readiness: send new clients here
//
// Readyz fails as soon as Shutdown starts, so that a balancer probing it
// stops routing new clients to this instance while its WebSockets are
// being closed with 1001 and their clients reconnect elsewhere.

// ReadyTimeout bounds the broker check of Ready when the caller's context
// has no earlier deadline.
const ReadyTimeout = 2 * time.Second

// Errors of Ready.
var (
	// ErrDraining is returned by Ready once Shutdown has started.
	ErrDraining = errors.New("nexo: draining")
	// ErrNotStarted is returned by Ready, wrapping the start-up error,
	// when the App could not start (see Err).
	ErrNotStarted = errors.New("nexo: not started")
)

// Pinger is implemented by brokers that can check their connection to the
// server they rely on: redisbroker.Broker (a PING) and natsbroker.Broker (a
// flushed round trip) do. Ready calls it; a broker without a Ping method,
// such as the in-process one, is always ready. A decorator of a broker should
// forward Ping or implement Unwrap() channels.Broker.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Healthz is the liveness check: it answers 200 "ok" while the process
// serves HTTP at all, whatever the state of the broker. A liveness probe
// that fails makes an orchestrator restart the process, so it must not
// depend on anything outside it.
func (a *App) Healthz(w http.ResponseWriter, r *http.Request) {
	writeProbe(w, r, http.StatusOK, "ok")
}

// Readyz is the readiness check: it answers 200 "ready" while Ready returns
// nil, and 503 with the reason otherwise ("not ready: draining",
// "not ready: broker: ..."). Point the load balancer's health check at it.
func (a *App) Readyz(w http.ResponseWriter, r *http.Request) {
	if err := a.Ready(r.Context()); err != nil {
		w.Header().Set("Retry-After", "1")
		writeProbe(w, r, http.StatusServiceUnavailable, "not ready: "+err.Error())
		return
	}
	writeProbe(w, r, http.StatusOK, "ready")
}

// Ready reports whether the App should receive new clients: it started
// (Err is nil), Shutdown has not begun (ErrDraining), and its broker, when
// it has a Ping method (Pinger, looked for through Unwrap), answers within
// ReadyTimeout.
func (a *App) Ready(ctx context.Context) error {
	if a.err != nil {
		return fmt.Errorf("%w: %w", ErrNotStarted, a.err)
	}
	if a.ws.Draining() || a.ctx.Err() != nil {
		return ErrDraining
	}
	ping := pingOf(a.broker)
	if ping == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, ReadyTimeout)
	defer cancel()
	if err := ping(ctx); err != nil {
		return fmt.Errorf("broker: %w", err)
	}
	return nil
}

// pingOf returns the reachability check of b, or nil when b has none.
func pingOf(b channels.Broker) func(context.Context) error {
	if p, ok := brokerAs[Pinger](b); ok {
		return p.Ping
	}
	return nil
}

func writeProbe(w http.ResponseWriter, r *http.Request, status int, body string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		io.WriteString(w, body+"\n")
	}
}

// brokerAs returns the first broker of b's decorator chain (b, then what
// each Unwrap() channels.Broker returns) that is a T.
func brokerAs[T any](b channels.Broker) (T, bool) {
	for range 16 { // a decorator chain is short; a cycle must not hang a probe
		if t, ok := b.(T); ok {
			return t, true
		}
		u, ok := b.(interface{ Unwrap() channels.Broker })
		if !ok {
			break
		}
		if b = u.Unwrap(); b == nil {
			break
		}
	}
	var zero T
	return zero, false
}
