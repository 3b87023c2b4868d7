package channels

import (
	"context"
	"log/slog"
	"time"

	"github.com/nexogo/nexo/internal/periodic"
)

// KeepLease calls renew every period until ctx ends, for brokers whose
// presence hangs on a lease (see PresenceBroker). Each call is bounded by
// timeout (at most the period). A failure is logged once when renewals
// start failing and once when they work again, not at every attempt.
//
// It returns when ctx ends; run it on its own goroutine.
func KeepLease(ctx context.Context, period, timeout time.Duration, renew func(context.Context) error, log *slog.Logger) {
	periodic.Run(ctx, period, min(timeout, period), renew,
		func(err error) {
			log.Warn("presence lease not renewed; retrying every period", "period", period, "err", err)
		},
		func() { log.Info("presence lease renewed again") })
}
