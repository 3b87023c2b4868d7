package channels

import (
	"fmt"
	"testing"
	"time"
)

func offsets(r Recovery) string {
	s := ""
	for _, m := range r.Messages {
		s += fmt.Sprint(m.Pos.Offset, " ")
	}
	return fmt.Sprintf("%s@%d %v", s, r.Position.Offset, r.Recovered)
}

func TestRingBounds(t *testing.T) {
	t0 := time.Unix(1000, 0)
	r := newRing(HistoryPolicy{MaxCount: 4, MaxBytes: 10, MaxAge: time.Minute})
	for i := range 6 {
		r.publish("e", &Message{Data: []byte("ab")}, t0.Add(time.Duration(i)*time.Second), func(*Message) {})
	}
	since := func(off uint64) RecoverQuery { return RecoverQuery{Since: &Position{Epoch: "e", Offset: off}} }
	cases := []struct {
		q    RecoverQuery
		now  time.Time
		want string
	}{
		{since(2), t0, "3 4 5 6 @6 true"},                                   // count bound: 4 kept
		{since(1), t0, "@6 false"},                                          // 2 was dropped
		{since(6), t0, "@6 true"},                                           // up to date
		{since(7), t0, "@6 false"},                                          // from the future
		{RecoverQuery{Last: 2}, t0, "5 6 @6 true"},                          // newcomer
		{RecoverQuery{}, t0, "@6 true"},                                     // newcomer, nothing asked
		{since(4), t0.Add(time.Minute + 4500*time.Millisecond), "@6 false"}, // 3 and 4 expired
		{since(4), t0.Add(time.Minute + 4500*time.Millisecond), "@6 false"},
		{since(5), t0.Add(time.Minute + 4500*time.Millisecond), "6 @6 true"},
		{since(6), t0.Add(time.Hour), "@6 true"}, // all expired, nothing missed
		{since(5), t0.Add(time.Hour), "@6 false"},
	}
	for i, c := range cases {
		if got := offsets(r.recover("e", c.q, c.now)); got != c.want {
			t.Errorf("case %d: %s, want %s", i, got, c.want)
		}
	}
	other := RecoverQuery{Since: &Position{Epoch: "f", Offset: 6}}
	if got := offsets(r.recover("e", other, t0)); got != "@6 false" {
		t.Errorf("other epoch: %s", got)
	}
}

func TestRingBytes(t *testing.T) {
	r := newRing(HistoryPolicy{MaxBytes: 5})
	now := time.Now()
	for _, s := range []string{"abc", "de", "f", "ghijklmnop"} {
		r.publish("e", &Message{Data: []byte(s)}, now, func(*Message) {})
	}
	// The newest message is kept even when it alone is over the bound.
	if got := offsets(r.recover("e", RecoverQuery{Last: 10}, now)); got != "4 @4 true" {
		t.Fatalf("%s", got)
	}
}
