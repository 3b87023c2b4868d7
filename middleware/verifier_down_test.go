package middleware_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/nexogo/nexo/middleware"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// errBackend is a verifier's backend failing: the credentials could not be
// checked, which says nothing about them.
var errBackend = errors.New("database: connection refused")

// expectUnavailable fails unless the client sees 1013 (try again later)
// with the reason "authentication unavailable": the client keeps its
// credentials and retries later.
func expectUnavailable(t *testing.T, c *nexotest.Conn) {
	t.Helper()
	ce := c.ExpectClose(ws.CloseTryAgainLater)
	if ce.Reason != "authentication unavailable" {
		t.Fatalf("close reason %q", ce.Reason)
	}
	c.Close()
}

// A verifier whose backend fails closes with 1013, not 4401, whichever
// auth middleware asked it.
func TestVerifierDownIsRetryable(t *testing.T) {
	down := func(ctx context.Context, tok string) (any, error) { return nil, errBackend }
	t.Run("TokenAuth", func(t *testing.T) {
		s := serveAuth(t, whoami, middleware.TokenAuth(middleware.TokenAuthOptions{Verify: down}))
		expectUnavailable(t, s.Dial("/ws?token=t0k"))
	})
	t.Run("TokenAuth/timeout", func(t *testing.T) {
		slow := func(ctx context.Context, tok string) (any, error) {
			ctx, cancel := context.WithTimeout(ctx, time.Millisecond)
			defer cancel()
			<-ctx.Done()
			return nil, ctx.Err()
		}
		s := serveAuth(t, whoami, middleware.TokenAuth(middleware.TokenAuthOptions{Verify: slow}))
		expectUnavailable(t, s.Dial("/ws?token=t0k"))
	})
	t.Run("FirstMessageAuth", func(t *testing.T) {
		s := serveAuth(t, echoAs, middleware.FirstMessageAuth(down, 5*time.Second))
		c := s.Dial("/ws")
		c.SendText("t0k")
		expectUnavailable(t, c)
	})
	t.Run("SessionAuth", func(t *testing.T) {
		store := middleware.SessionStoreFunc(func(*http.Request) (any, error) { return nil, errBackend })
		s := serveAuth(t, whois, middleware.SessionAuth(store, true))
		expectUnavailable(t, s.Dial("/ws"))
	})
}

// A verifier refuses with an error matching ErrInvalidCredentials (its
// own, wrapped, or one of the package's sentinels): 4401, as before.
func TestVerifierRefusalIsUnauthorized(t *testing.T) {
	errExpired := fmt.Errorf("%w: token expired", middleware.ErrInvalidCredentials)
	for name, err := range map[string]error{
		"ErrInvalidCredentials wrapped": errExpired,
		"ErrInvalidToken":               middleware.ErrInvalidToken,
		"nil user":                      nil,
	} {
		t.Run(name, func(t *testing.T) {
			v := func(ctx context.Context, tok string) (any, error) { return nil, err }
			s := serveAuth(t, whoami, middleware.TokenAuth(middleware.TokenAuthOptions{Verify: v}))
			expectUnauthorized(t, s.Dial("/ws?token=t0k"), "invalid token")
		})
	}
	for _, sentinel := range []error{middleware.ErrNoToken, middleware.ErrInvalidToken, middleware.ErrNoSession,
		middleware.ErrInvalidSession, middleware.ErrInvalidTicket} {
		if !errors.Is(sentinel, middleware.ErrInvalidCredentials) {
			t.Errorf("%v does not match ErrInvalidCredentials", sentinel)
		}
	}
	if errors.Is(errBackend, middleware.ErrInvalidCredentials) {
		t.Error("any error matches ErrInvalidCredentials")
	}
}
