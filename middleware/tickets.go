package middleware

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"time"
)

// Ticket defaults.
const (
	DefaultTicketTTL      = 30 * time.Second
	DefaultMaxTickets     = 100_000
	DefaultTicketsPerUser = 16
)

// ErrInvalidTicket means a ticket is unknown, already used or expired. It
// matches ErrInvalidCredentials.
var ErrInvalidTicket = refusal("middleware: invalid ticket")

// ErrTooManyTickets is returned by Mint when TicketOptions.Max tickets are
// outstanding.
var ErrTooManyTickets = errors.New("middleware: too many outstanding tickets")

// TicketOptions configures Tickets. The zero value is the default.
type TicketOptions struct {
	// TTL is how long a ticket may wait to be redeemed. Default 30 s.
	TTL time.Duration
	// Max bounds the tickets outstanding at once. Default 100,000.
	Max int
	// PerUser bounds the tickets one user has outstanding at once
	// (default DefaultTicketsPerUser): past it, a new ticket replaces the
	// user's oldest, so that one user minting in a loop cannot use up Max
	// and lock the others out. Users are told apart by the value given to
	// Mint, as a map key; a value that cannot be one (a struct holding a
	// slice or a map) is bounded by Max only.
	PerUser int
	// Now is the clock, for tests. Default time.Now.
	Now func() time.Time
}

// Tickets is an in-memory store of one-time tickets: an HTTP endpoint that
// has authenticated the user (with a cookie or a header) mints a ticket,
// the browser passes it in the WebSocket URL (?ticket=...), and Redeem
// exchanges it for the user at the handshake. A ticket is 256 random bits
// from crypto/rand, works once, and expires after TTL; expired tickets are
// pruned as the store is used. Only a hash of each ticket is kept.
//
// Tickets only works within one process: behind several instances, mint
// and redeem must reach the same one, or use a shared SessionStore instead.
//
// A Tickets is safe for concurrent use. Create it with NewTickets.
type Tickets struct {
	ttl     time.Duration
	max     int
	perUser int
	now     func() time.Time

	mu        sync.Mutex
	m         map[[sha256.Size]byte]ticket
	byUser    map[any][][sha256.Size]byte // each user's tickets, oldest first; redeemed ones until pruned
	nextPrune time.Time
}

type ticket struct {
	user    any
	expires time.Time
}

// NewTickets returns an empty ticket store.
func NewTickets(opts TicketOptions) *Tickets {
	t := &Tickets{
		ttl: opts.TTL, max: opts.Max, perUser: opts.PerUser, now: opts.Now,
		m: make(map[[sha256.Size]byte]ticket), byUser: make(map[any][][sha256.Size]byte),
	}
	if t.perUser <= 0 {
		t.perUser = DefaultTicketsPerUser
	}
	if t.ttl <= 0 {
		t.ttl = DefaultTicketTTL
	}
	if t.max <= 0 {
		t.max = DefaultMaxTickets
	}
	if t.now == nil {
		t.now = time.Now
	}
	return t
}

// TTL returns how long a ticket stays valid.
func (t *Tickets) TTL() time.Duration { return t.ttl }

// Mint returns a new ticket for user, valid once within TTL. user must not
// be nil.
func (t *Tickets) Mint(user any) (string, error) {
	if user == nil {
		return "", errors.New("middleware: mint a ticket: nil user")
	}
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	tok := base64.RawURLEncoding.EncodeToString(b[:])
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.pruneLocked(now)
	key := sha256.Sum256([]byte(tok))
	keyed := reflect.ValueOf(user).Comparable()
	if keyed {
		t.makeRoomLocked(user)
	}
	if len(t.m) >= t.max {
		return "", fmt.Errorf("mint a ticket: %w (%d)", ErrTooManyTickets, t.max)
	}
	t.m[key] = ticket{user: user, expires: now.Add(t.ttl)}
	if keyed {
		t.byUser[user] = append(t.byUser[user], key)
	}
	return tok, nil
}

// makeRoomLocked forgets the user's oldest tickets until the user has
// fewer than perUser outstanding.
func (t *Tickets) makeRoomLocked(user any) {
	keys := t.liveLocked(t.byUser[user])
	for len(keys) >= t.perUser {
		delete(t.m, keys[0])
		keys = keys[1:]
	}
	t.byUser[user] = keys
}

// liveLocked keeps the keys whose tickets are still in the store, in
// place.
func (t *Tickets) liveLocked(keys [][sha256.Size]byte) [][sha256.Size]byte {
	live := keys[:0]
	for _, k := range keys {
		if _, ok := t.m[k]; ok {
			live = append(live, k)
		}
	}
	clear(keys[len(live):])
	return live
}

// Redeem returns the user of tok and forgets the ticket: a second Redeem of
// the same ticket fails. An unknown, used or expired ticket is
// ErrInvalidTicket.
func (t *Tickets) Redeem(tok string) (any, error) {
	key := sha256.Sum256([]byte(tok))
	now := t.now()
	t.mu.Lock()
	tk, ok := t.m[key]
	delete(t.m, key)
	t.pruneLocked(now)
	t.mu.Unlock()
	switch {
	case !ok:
		return nil, fmt.Errorf("%w: unknown or used", ErrInvalidTicket)
	case !now.Before(tk.expires):
		return nil, fmt.Errorf("%w: expired", ErrInvalidTicket)
	}
	return tk.user, nil
}

// Len returns the number of tickets outstanding, expired ones included
// until they are pruned.
func (t *Tickets) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.m)
}

// pruneLocked drops expired tickets, at most once per TTL, so that the
// cost stays constant per call on average.
func (t *Tickets) pruneLocked(now time.Time) {
	if now.Before(t.nextPrune) {
		return
	}
	t.nextPrune = now.Add(t.ttl)
	for k, tk := range t.m {
		if !now.Before(tk.expires) {
			delete(t.m, k)
		}
	}
	for u, keys := range t.byUser {
		if keys = t.liveLocked(keys); len(keys) == 0 {
			delete(t.byUser, u)
		} else {
			t.byUser[u] = keys
		}
	}
}
