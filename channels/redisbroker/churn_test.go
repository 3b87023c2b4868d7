package redisbroker_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nexogo/nexo/channels"
)

// TestHistoryKeysExpire: rooms used once, as a churn of room names leaves
// them, hold no history keys once four times their MaxAge has passed: those written
// by a publish, and those written by a Recover of a room nobody published
// in. The presence topic of a room matched by "room:*" keeps no history.
func TestHistoryKeysExpire(t *testing.T) {
	f := newFactory(t, requireRedis(t))
	const maxAge = 300 * time.Millisecond
	b := f.withHistory(t, channels.HistoryPolicy{Pattern: "room:*", MaxAge: maxAge})
	ctx := context.Background()
	for i := range 10 {
		tp := fmt.Sprintf("room:%d", i)
		if err := channels.Publish(ctx, b, tp, i); err != nil {
			t.Fatal(err)
		}
		if err := channels.Publish(ctx, b, channels.PresenceTopic(tp), i); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Recover(ctx, fmt.Sprintf("room:quiet%d", i), channels.RecoverQuery{}); err != nil {
			t.Fatal(err)
		}
	}
	if b.HasHistory(channels.PresenceTopic("room:1")) {
		t.Error(`the presence topic of room:1 has history under "room:*"`)
	}
	if !(channels.HistoryPolicy{Pattern: "room:*#presence"}).Matches(channels.PresenceTopic("room:1")) {
		t.Error(`"room:*#presence" does not match the presence topic of room:1`)
	}
	keys := func() []string {
		var out []string
		for _, pat := range []string{f.prefix + "h:*", f.prefix + "hm:*"} {
			ks, err := b.Client().Keys(ctx, pat).Result()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, ks...)
		}
		return out
	}
	if n := len(keys()); n == 0 {
		t.Fatal("no history keys were written")
	}
	deadline := time.Now().Add(8 * maxAge)
	for {
		ks := keys()
		if len(ks) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d history keys left %v after the last use, MaxAge %v: %v", len(ks), 8*maxAge, maxAge, ks[:min(len(ks), 6)])
		}
		time.Sleep(maxAge / 10) // expiry has no event to wait on
	}
}
