package natsbroker_test

import (
	"context"
	"testing"

	"github.com/nexogo/nexo/channels/natsbroker"
)

// TestInstancesStartAtOnce: instances of a new prefix started at the same
// moment all create, or bind, its buckets and take their leases.
func TestInstancesStartAtOnce(t *testing.T) {
	url := requireNATS(t)
	for range 10 {
		prefix := runPrefix(t, url)
		errs := make(chan error, 3)
		for range 3 {
			go func() {
				b, err := natsbroker.Open(context.Background(), url, natsbroker.WithPrefix(prefix), natsbroker.WithLogger(quiet(t)))
				if err == nil {
					b.Close()
				}
				errs <- err
			}()
		}
		for range 3 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
	}
}
