package channels

import (
	"context"
	"log/slog"
	"time"
)

// KeepLease calls renew every period until ctx ends, for brokers whose
// presence hangs on a lease (see PresenceBroker). Each call is bounded by
// timeout (at most the period). A failure is logged once when renewals
// start failing and once when they work again, not at every attempt.
//
// It returns when ctx ends; run it on its own goroutine.
func KeepLease(ctx context.Context, period, timeout time.Duration, renew func(context.Context) error, log *slog.Logger) {
	t := time.NewTicker(period)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rctx, cancel := context.WithTimeout(ctx, min(timeout, period))
		err := renew(rctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return
		case err != nil && !failing:
			log.Warn("presence lease not renewed; retrying every period", "period", period, "err", err)
		case err == nil && failing:
			log.Info("presence lease renewed again")
		}
		failing = err != nil
	}
}
