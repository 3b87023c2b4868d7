package middleware_test

import (
	"errors"
	"testing"

	"github.com/nexogo/nexo/middleware"
)

// TestTicketsOneUserCannotFillTheStore: one signed-in user minting in a
// loop (a script, a stolen session) does not use up the store's bound and
// lock every other user out with ErrTooManyTickets: past
// DefaultTicketsPerUser outstanding tickets, each new one of that user
// replaces the user's oldest.
func TestTicketsOneUserCannotFillTheStore(t *testing.T) {
	const max = 1000
	tickets := middleware.NewTickets(middleware.TicketOptions{Max: max})
	var first, last string
	for i := range max + 10 {
		tok, err := tickets.Mint("mallory")
		if err != nil {
			t.Fatalf("mallory's ticket %d: %v", i, err)
		}
		if i == 0 {
			first = tok
		}
		last = tok
	}
	tok, err := tickets.Mint("alice")
	if err != nil {
		t.Fatalf("alice cannot get a ticket after mallory minted %d: %v", max+10, err)
	}
	if u, err := tickets.Redeem(tok); err != nil || u != "alice" {
		t.Fatalf("alice's ticket: %v, %v", u, err)
	}
	if n := tickets.Len(); n > middleware.DefaultTicketsPerUser {
		t.Errorf("%d tickets outstanding, want at most %d (mallory's)", n, middleware.DefaultTicketsPerUser)
	}
	if u, err := tickets.Redeem(last); err != nil || u != "mallory" {
		t.Errorf("mallory's newest ticket: %v, %v", u, err)
	}
	if _, err := tickets.Redeem(first); !errors.Is(err, middleware.ErrInvalidTicket) {
		t.Errorf("mallory's first ticket, replaced long ago: %v, want ErrInvalidTicket", err)
	}
}

// TestTicketsPerUserSkipsUsersThatCannotBeKeys: a user value that cannot
// be a map key (a struct holding a slice) still gets tickets, bounded by
// Max only.
func TestTicketsPerUserSkipsUsersThatCannotBeKeys(t *testing.T) {
	type account struct{ roles []string }
	tickets := middleware.NewTickets(middleware.TicketOptions{})
	for range middleware.DefaultTicketsPerUser + 2 {
		if _, err := tickets.Mint(account{roles: []string{"admin"}}); err != nil {
			t.Fatal(err)
		}
	}
	if n := tickets.Len(); n != middleware.DefaultTicketsPerUser+2 {
		t.Errorf("%d tickets, want %d", n, middleware.DefaultTicketsPerUser+2)
	}
}
