// Package periodic runs a background task at an interval until a context
// ends, for the brokers' housekeeping.
package periodic

import (
	"context"
	"time"
)

// Run calls f every interval until ctx ends, each call under a context
// bounded by timeout. failed is told of the first error of a run of failed
// calls, and of nothing more until a call succeeds again; then recovered,
// when not nil, is told. Nothing is reported once ctx has ended.
func Run(ctx context.Context, every, timeout time.Duration, f func(context.Context) error, failed func(error), recovered func()) {
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
		switch {
		case ctx.Err() != nil:
			return
		case err != nil && !failing:
			failed(err)
		case err == nil && failing && recovered != nil:
			recovered()
		}
		failing = err != nil
	}
}
