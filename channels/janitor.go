package channels

import (
	"context"
	"sync"
	"time"
)

// DefaultSweepInterval is how often a Registry's janitor looks for expired
// and ended channels.
const DefaultSweepInterval = time.Second

// RegistryOption changes a Registry made by NewRegistry.
type RegistryOption func(*registryConfig)

type registryConfig struct {
	interval time.Duration
	groupObs GroupObserver
	history  HistoryPolicies // WithGroupHistory
}

// WithSweepInterval sets how often the janitor sweeps (default
// DefaultSweepInterval). An expired channel is closed at most d after its
// expiry. Values of zero or less keep the default.
func WithSweepInterval(d time.Duration) RegistryOption {
	return func(c *registryConfig) {
		if d > 0 {
			c.interval = d
		}
	}
}

// Run is the registry's janitor: it calls Sweep every sweep interval until
// ctx ends, then returns ctx.Err(). It runs on the caller's goroutine, so
// the caller owns it (an errgroup, or Start).
func (r *Registry) Run(ctx context.Context) error {
	t := time.NewTicker(r.cfg.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			r.Sweep()
		}
	}
}

// Start runs the janitor on a goroutine of its own until ctx ends or stop
// is called; stop waits for the goroutine to return and may be called more
// than once.
func (r *Registry) Start(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { r.Run(ctx) })
	return sync.OnceFunc(func() {
		cancel()
		wg.Wait()
	})
}
