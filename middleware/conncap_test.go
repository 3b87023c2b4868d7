package middleware

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

func addr(i int) netip.Addr { return netip.MustParseAddr(fmt.Sprintf("198.51.%d.%d", i/250, i%250+1)) }

func TestClientTableBounded(t *testing.T) {
	now := time.Unix(1e9, 0)
	// A handshake bucket that takes an hour to refill: idle entries are
	// kept, so only the bound limits the table.
	tb := newClientTable(rate.Every(time.Hour), 1, 0, 100, 64)
	tb.now = func() time.Time { return now }
	for i := range 10_000 {
		adm, release := tb.admit(addr(i))
		if adm != admitted {
			t.Fatalf("client %d: %v", i, adm)
		}
		release()
	}
	if n := tb.len(); n != 100 {
		t.Fatalf("table holds %d clients, want 100", n)
	}
	// The most recent clients are remembered: their bucket is empty.
	if adm, _ := tb.admit(addr(9_999)); adm != overRate {
		t.Fatalf("recent client: %v, want overRate", adm)
	}
}

func TestClientTablePinned(t *testing.T) {
	now := time.Unix(1e9, 0)
	tb := newClientTable(0, 0, 1, 2, 64)
	tb.now = func() time.Time { return now }
	_, r1 := tb.admit(addr(1))
	_, r2 := tb.admit(addr(2))
	if adm, _ := tb.admit(addr(3)); adm != tableFull {
		t.Fatalf("table full of open connections: %v, want tableFull", adm)
	}
	if adm, _ := tb.admit(addr(1)); adm != overCap {
		t.Fatalf("second connection: %v, want overCap", adm)
	}
	r1()
	r1() // idempotent
	if adm, r3 := tb.admit(addr(3)); adm != admitted {
		t.Fatalf("after a release: %v", adm)
	} else {
		r3()
	}
	r2()
	if n := tb.len(); n > 2 {
		t.Fatalf("table holds %d clients", n)
	}
}

func TestClientTableExpiry(t *testing.T) {
	now := time.Unix(1e9, 0)
	tb := newClientTable(10, 5, 0, 1000, 64) // refills in 0.5 s
	tb.now = func() time.Time { return now }
	for i := range 50 {
		_, release := tb.admit(addr(i))
		release()
	}
	// The next admission, once the buckets are full again, forgets them.
	tb.now = func() time.Time { return now.Add(2 * time.Second) }
	_, release := tb.admit(addr(1000))
	release()
	if n := tb.len(); n != 1 {
		t.Fatalf("table holds %d clients after expiry, want 1", n)
	}
	// Expiry is lossless: a forgotten client gets the full burst it had
	// earned anyway.
	for i := range 5 {
		if adm, release := tb.admit(addr(1)); adm != admitted {
			t.Fatalf("handshake %d: %v", i, adm)
		} else {
			release()
		}
	}
	if adm, _ := tb.admit(addr(1)); adm != overRate {
		t.Fatalf("over the burst: %v", adm)
	}
}

func TestClientTableIPv6Prefix(t *testing.T) {
	now := time.Unix(1e9, 0)
	tb := newClientTable(0, 0, 1, 10, 64)
	tb.now = func() time.Time { return now }
	_, release := tb.admit(netip.MustParseAddr("2001:db8:0:1::1"))
	defer release()
	if adm, _ := tb.admit(netip.MustParseAddr("2001:db8:0:1:ffff::2")); adm != overCap {
		t.Fatalf("same /64: %v, want overCap", adm)
	}
	if adm, r := tb.admit(netip.MustParseAddr("2001:db8:0:2::1")); adm != admitted {
		t.Fatalf("other /64: %v", adm)
	} else {
		r()
	}
	per := newClientTable(0, 0, 1, 10, 128)
	_, r1 := per.admit(netip.MustParseAddr("2001:db8::1"))
	defer r1()
	if adm, r2 := per.admit(netip.MustParseAddr("2001:db8::2")); adm != admitted {
		t.Fatalf("IPv6Prefix 128: %v", adm)
	} else {
		r2()
	}
}

func (a admission) String() string {
	return [...]string{"admitted", "overRate", "overCap", "tableFull"}[a]
}

// A rate so slow that its refill time overflows a Duration still keeps
// idle clients.
func TestClientTableSlowRate(t *testing.T) {
	tb := newClientTable(rate.Limit(1e-300), 1, 0, 10, 64)
	if tb.ttl <= 0 {
		t.Fatalf("ttl %v", tb.ttl)
	}
	_, release := tb.admit(addr(1))
	release()
	if adm, _ := tb.admit(addr(1)); adm != overRate {
		t.Fatalf("second handshake: %v, want overRate", adm)
	}
}
