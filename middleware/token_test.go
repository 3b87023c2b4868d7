package middleware_test

import (
	"context"
	"errors"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/nexogo/nexo/middleware"
	"github.com/nexogo/nexo/nexotest"
)

func TestTokenAuth(t *testing.T) {
	auth := middleware.TokenAuth(middleware.TokenAuthOptions{
		Verify: middleware.StaticTokens(map[string]any{"s3cret-token": "ada", "other": "bob"}),
	})
	s := serveAuth(t, whoami, auth)

	via := map[string]func(tok string) (string, []nexotest.DialOption){
		"query": func(tok string) (string, []nexotest.DialOption) {
			if tok == "" {
				return "/ws", nil
			}
			return "/ws?token=" + url.QueryEscape(tok), nil
		},
		"bearer": func(tok string) (string, []nexotest.DialOption) {
			if tok == "" {
				return "/ws", []nexotest.DialOption{nexotest.WithHeader("Authorization", "Bearer")}
			}
			return "/ws", []nexotest.DialOption{nexotest.WithHeader("Authorization", "bearer  "+tok)}
		},
		"subprotocol": func(tok string) (string, []nexotest.DialOption) {
			if tok == "" {
				return "/ws", []nexotest.DialOption{nexotest.WithSubprotocols("nexo.auth")}
			}
			return "/ws", []nexotest.DialOption{nexotest.WithSubprotocols("nexo.auth", tok)}
		},
	}
	for name, dial := range via {
		t.Run(name, func(t *testing.T) {
			wantProto := ""
			if name == "subprotocol" {
				wantProto = middleware.AuthProtocol
			}
			for _, tc := range []struct {
				name, token, reason string
			}{
				{"missing", "", "missing token"},
				{"wrong", "s3cret-tokem", "invalid token"},
				{"prefix", "s3cret", "invalid token"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					path, opts := dial(tc.token)
					c := s.Dial(path, opts...)
					if got := c.Subprotocol(); got != wantProto {
						t.Errorf("subprotocol %q, want %q", got, wantProto)
					}
					expectUnauthorized(t, c, tc.reason)
				})
			}
			t.Run("right", func(t *testing.T) {
				path, opts := dial("s3cret-token")
				c := s.Dial(path, opts...)
				if got := c.Subprotocol(); got != wantProto {
					t.Errorf("subprotocol %q, want %q (the token must never be echoed)", got, wantProto)
				}
				c.ExpectText("ada|" + wantProto)
				c.CloseNormal()
			})
		})
	}
}

func TestTokenAuthSources(t *testing.T) {
	// Only the header counts: a query token is ignored.
	auth := middleware.TokenAuth(middleware.TokenAuthOptions{
		Verify:  middleware.StaticTokens(map[string]any{"t": "ada"}),
		Sources: []middleware.TokenSource{middleware.FromHeader},
	})
	s := serveAuth(t, whoami, auth)
	expectUnauthorized(t, s.Dial("/ws?token=t"), "missing token")
	c := s.Dial("/ws", nexotest.WithHeader("Authorization", "Bearer t"))
	c.ExpectText("ada|")
	c.CloseNormal()
}

func TestTokenAuthVerifierError(t *testing.T) {
	var calls atomic.Int32
	auth := middleware.TokenAuth(middleware.TokenAuthOptions{
		QueryParam: "access_token",
		Verify: func(ctx context.Context, tok string) (any, error) {
			calls.Add(1)
			switch tok {
			case "nil-user":
				return nil, nil
			case "boom":
				return nil, errors.New("database at 10.0.0.3 unreachable")
			}
			return "ada", nil
		},
	})
	s := serveAuth(t, whoami, auth)
	// Internal errors are not shown to the client (1013, a fixed reason),
	// and a nil user refuses.
	expectUnavailable(t, s.Dial("/ws?access_token=boom"))
	expectUnauthorized(t, s.Dial("/ws?access_token=nil-user"), "invalid token")
	c := s.Dial("/ws?access_token=x")
	c.ExpectText("ada|")
	c.CloseNormal()
	if n := calls.Load(); n != 3 {
		t.Fatalf("verify called %d times, want 3", n)
	}
}

func TestTokenAuthNeedsVerify(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic without Verify")
		}
	}()
	middleware.TokenAuth(middleware.TokenAuthOptions{})
}
