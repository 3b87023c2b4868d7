package middleware_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nexogo/nexo/middleware"
)

// ticketClock is a manual clock for TicketOptions.Now.
type ticketClock struct{ ns atomic.Int64 }

func newTicketClock() *ticketClock {
	c := &ticketClock{}
	c.ns.Store(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	return c
}
func (c *ticketClock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *ticketClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

func TestTicketsOverSockets(t *testing.T) {
	clk := newTicketClock()
	tickets := middleware.NewTickets(middleware.TicketOptions{Now: clk.Now})
	s := serveAuth(t, whoami, middleware.Redeem(tickets))

	t.Run("missing", func(t *testing.T) {
		expectUnauthorized(t, s.Dial("/ws"), "missing token")
	})
	t.Run("forged", func(t *testing.T) {
		expectUnauthorized(t, s.Dial("/ws?ticket=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), "invalid ticket")
	})
	t.Run("single use", func(t *testing.T) {
		tk, err := tickets.Mint("ada")
		if err != nil {
			t.Fatal(err)
		}
		c := s.Dial("/ws?ticket=" + tk)
		c.ExpectText("ada|")
		c.CloseNormal()
		expectUnauthorized(t, s.Dial("/ws?ticket="+tk), "invalid ticket")
	})
	t.Run("expiry", func(t *testing.T) {
		tk, _ := tickets.Mint("ada")
		clk.Advance(middleware.DefaultTicketTTL - time.Nanosecond)
		tk2, _ := tickets.Mint("bob")
		clk.Advance(time.Nanosecond) // tk has just expired, tk2 has not
		expectUnauthorized(t, s.Dial("/ws?ticket="+tk), "invalid ticket")
		c := s.Dial("/ws?ticket=" + tk2)
		c.ExpectText("bob|")
		c.CloseNormal()
	})
}

func TestTicketsPrune(t *testing.T) {
	clk := newTicketClock()
	tickets := middleware.NewTickets(middleware.TicketOptions{TTL: time.Second, Now: clk.Now})
	for range 3 {
		tickets.Mint("ada")
	}
	clk.Advance(time.Second)
	tickets.Mint("bob")
	if n := tickets.Len(); n != 1 {
		t.Fatalf("%d tickets outstanding after expiry, want 1", n)
	}
}

func TestTicketsMax(t *testing.T) {
	tickets := middleware.NewTickets(middleware.TicketOptions{Max: 2})
	tickets.Mint("a")
	tickets.Mint("b")
	if _, err := tickets.Mint("c"); !errors.Is(err, middleware.ErrTooManyTickets) {
		t.Fatalf("third mint: %v, want ErrTooManyTickets", err)
	}
	if _, err := tickets.Mint(nil); err == nil {
		t.Fatal("minted a ticket for a nil user")
	}
}

func TestTicketsRedeemOnceConcurrently(t *testing.T) {
	tickets := middleware.NewTickets(middleware.TicketOptions{})
	tk, _ := tickets.Mint("ada")
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			if _, err := tickets.Redeem(tk); err == nil {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if n := wins.Load(); n != 1 {
		t.Fatalf("ticket redeemed %d times, want 1", n)
	}
}

func TestTicketsHandler(t *testing.T) {
	tickets := middleware.NewTickets(middleware.TicketOptions{})
	h := tickets.Handler(func(r *http.Request) (any, bool) {
		u := r.Header.Get("X-Test-User")
		return u, u != ""
	})
	for _, tc := range []struct {
		method, user string
		status       int
	}{
		{http.MethodGet, "ada", http.StatusMethodNotAllowed},
		{http.MethodPost, "", http.StatusUnauthorized},
		{http.MethodPost, "ada", http.StatusOK},
	} {
		r := httptest.NewRequest(tc.method, "/ticket", nil)
		if tc.user != "" {
			r.Header.Set("X-Test-User", tc.user)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tc.status {
			t.Fatalf("%s user=%q: HTTP %d, want %d", tc.method, tc.user, w.Code, tc.status)
		}
		if tc.status != http.StatusOK {
			continue
		}
		if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control %q", cc)
		}
		var resp middleware.TicketResponse
		if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
			t.Fatal(err)
		}
		if resp.ExpiresIn != 30 || len(resp.Ticket) != 43 {
			t.Fatalf("response %+v", resp)
		}
		if u, err := tickets.Redeem(resp.Ticket); err != nil || u != "ada" {
			t.Fatalf("redeem: %v, %v", u, err)
		}
	}
}
