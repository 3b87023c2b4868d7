package channels_test

import (
	"fmt"
	"testing"

	"github.com/nexogo/nexo/channels"
)

type countSub struct{ n int }

func (s *countSub) Deliver(*channels.Message) { s.n++ }

// BenchmarkLocalJoinLeave measures n subscribers joining one topic and
// then leaving it, as a mass connect and disconnect do; one op is the
// whole cycle.
func BenchmarkLocalJoinLeave(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("subs=%d", n), func(b *testing.B) {
			subs := make([]*countSub, n)
			for i := range subs {
				subs[i] = new(countSub)
			}
			b.ReportAllocs()
			for b.Loop() {
				var l channels.Local
				for _, s := range subs {
					l.Add("t", s)
				}
				for _, s := range subs {
					l.Remove("t", s)
				}
			}
		})
	}
}

// BenchmarkLocalDeliver measures delivering one message to 1,000
// subscribers of a topic whose membership does not change.
func BenchmarkLocalDeliver(b *testing.B) {
	var l channels.Local
	for range 1000 {
		l.Add("t", new(countSub))
	}
	m := &channels.Message{Topic: "t"}
	b.ReportAllocs()
	for b.Loop() {
		l.Deliver(m)
	}
}
