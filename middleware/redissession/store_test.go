package redissession_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/internal/servicetest"
	"github.com/nexogo/nexo/middleware"
	"github.com/nexogo/nexo/middleware/redissession"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
	"github.com/redis/go-redis/v9"
)

type account struct {
	ID    int      `json:"id"`
	Name  string   `json:"name"`
	Roles []string `json:"roles"`
}

// client returns a Redis client of url, closed when the test ends, and a
// key prefix unique to the test whose keys are deleted then.
func client(t *testing.T, url string, opts ...func(*redis.Options)) (*redis.Client, string) {
	t.Helper()
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range opts {
		o(opt)
	}
	rdb := redis.NewClient(opt)
	prefix := fmt.Sprintf("nexotest%d:session:", time.Now().UnixNano())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
		rdb.Close()
	})
	return rdb, prefix
}

// serve serves /ws behind SessionAuth(store, true): the handler sends the
// session's user as JSON.
func serve(t *testing.T, store middleware.SessionStore) *nexotest.Server {
	t.Helper()
	app := nexo.New(nexo.WithoutClient())
	app.WebSocketRoute("/ws", func(c *ws.Conn) error {
		u, _ := middleware.User[account](c)
		if err := c.SendJSON(u); err != nil {
			return err
		}
		_, err := c.Receive()
		return err
	}, middleware.SessionAuth(store, true))
	return nexotest.NewServer(t, app)
}

// login starts a session for u and returns its ID and Cookie header.
func login(t *testing.T, store *redissession.Store[account], u account) (id, cookie string) {
	t.Helper()
	w := httptest.NewRecorder()
	id, err := store.Create(context.Background(), w, u)
	if err != nil {
		t.Fatal(err)
	}
	ck := w.Result().Cookies()[0]
	if !ck.HttpOnly || !ck.Secure || ck.Value != id || ck.MaxAge != int(time.Hour/time.Second) {
		t.Fatalf("session cookie %+v", ck)
	}
	return id, ck.Name + "=" + ck.Value
}

func expectRefused(t *testing.T, s *nexotest.Server, cookie string) {
	t.Helper()
	c := s.Dial("/ws", nexotest.WithHeader("Cookie", cookie))
	if ce := c.ExpectClose(ws.CloseUnauthorized); ce.Reason != "no valid session" {
		t.Fatalf("close reason %q", ce.Reason)
	}
	c.Close()
}

// A session made by Create opens a socket with its user, read back from
// Redis; once deleted it opens nothing, nor do forged, oversized or
// missing IDs. Redis never holds the ID itself.
func TestSessionRoundTripAndRevocation(t *testing.T) {
	rdb, prefix := client(t, servicetest.RequireRedis(t))
	store := redissession.New[account](rdb, redissession.Options{
		Prefix: prefix,
		Cookie: middleware.CookieOptions{MaxAge: time.Hour},
	})
	s := serve(t, store)
	ada := account{ID: 7, Name: "ada", Roles: []string{"admin"}}
	id, cookie := login(t, store, ada)

	c := s.Dial("/ws", nexotest.WithHeader("Cookie", cookie))
	var got account
	c.ReadJSON(&got)
	if got.ID != ada.ID || got.Name != ada.Name || len(got.Roles) != 1 || got.Roles[0] != "admin" {
		t.Fatalf("user %+v, want %+v", got, ada)
	}
	c.CloseNormal()

	keys, err := rdb.Keys(context.Background(), prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || strings.Contains(keys[0], id) {
		t.Fatalf("keys %q: want one, not naming the session ID", keys)
	}
	if ttl := rdb.TTL(context.Background(), keys[0]).Val(); ttl <= 0 || ttl > time.Hour {
		t.Fatalf("session TTL %v, want MaxAge", ttl)
	}

	if err := store.Delete(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	expectRefused(t, s, cookie)
	expectRefused(t, s, middleware.DefaultCookieName+"="+rand.Text())
	expectRefused(t, s, middleware.DefaultCookieName+"="+strings.Repeat("A", 65))
	expectRefused(t, s, "other=1")
}

// Destroy, the logout handler's call, ends the request's session and
// clears its cookie.
func TestSessionDestroy(t *testing.T) {
	rdb, prefix := client(t, servicetest.RequireRedis(t))
	store := redissession.New[account](rdb, redissession.Options{Prefix: prefix, Cookie: middleware.CookieOptions{MaxAge: time.Hour}})
	s := serve(t, store)
	_, cookie := login(t, store, account{Name: "bob"})
	r := httptest.NewRequest("POST", "/logout", nil)
	r.Header.Set("Cookie", cookie)
	w := httptest.NewRecorder()
	if err := store.Destroy(w, r); err != nil {
		t.Fatal(err)
	}
	if ck := w.Result().Cookies(); len(ck) != 1 || ck[0].MaxAge >= 0 {
		t.Fatalf("logout cookies %+v, want the session cookie cleared", ck)
	}
	expectRefused(t, s, cookie)
}

// With Redis down, a session cannot be checked: SessionAuth closes with
// 1013 instead of taking the user for anonymous.
func TestSessionRedisDown(t *testing.T) {
	srv := servicetest.Redis(t)
	rdb, prefix := client(t, srv.URL(), func(o *redis.Options) { o.MaxRetries = -1 })
	store := redissession.New[account](rdb, redissession.Options{Prefix: prefix, Cookie: middleware.CookieOptions{MaxAge: time.Hour}})
	s := serve(t, store)
	_, cookie := login(t, store, account{Name: "cy"})
	srv.Stop()
	c := s.Dial("/ws", nexotest.WithHeader("Cookie", cookie))
	if ce := c.ExpectClose(ws.CloseTryAgainLater); ce.Reason != "authentication unavailable" {
		t.Fatalf("close reason %q", ce.Reason)
	}
	c.Close()
}
