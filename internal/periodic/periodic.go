// Package periodic runs a background task at an interval until a context
// ends, for the brokers' housekeeping.
package periodic

import (
	"context"
	"time"
)

// Run calls f every interval until ctx ends, each call under a context
// bounded by timeout. warn is told of the first error of a run of failed
// calls, and of nothing more until a call succeeds again; an error after
// ctx has ended is not reported.
func Run(ctx context.Context, every, timeout time.Duration, f func(context.Context) error, warn func(error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cctx, cancel := context.WithTimeout(ctx, timeout)
		err := f(cctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if err != nil && !failing {
			warn(err)
		}
		failing = err != nil
	}
}
