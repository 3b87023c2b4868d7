package natsbroker

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"

	"github.com/nexogo/nexo/channels"
)

// ErrNotConnected is returned by Ping while the connection to the server
// is down (the broker is reconnecting in the background).
var ErrNotConnected = errors.New("natsbroker: not connected")

// Ping checks that the server answers: one round trip (a PING flushed on
// the broker's connection), bounded by ctx. It fails at once while the
// connection is reconnecting. The App's readiness check (nexo.App.Ready)
// calls it.
func (b *Broker) Ping(ctx context.Context) error {
	if b.closed.Load() {
		return channels.ErrBrokerClosed
	}
	if st := b.nc.Status(); st != nats.CONNECTED {
		return fmt.Errorf("%w (%v)", ErrNotConnected, st)
	}
	if err := b.nc.FlushWithContext(ctx); err != nil {
		if b.closed.Load() {
			return channels.ErrBrokerClosed
		}
		// A disconnect that comes while the PING waits ends the flush
		// with nats.ErrConnectionClosed although only the connection,
		// not the broker, is closed: the client is reconnecting.
		if errors.Is(err, nats.ErrConnectionClosed) || errors.Is(err, nats.ErrConnectionReconnecting) || b.nc.Status() != nats.CONNECTED {
			return fmt.Errorf("%w: ping: %w", ErrNotConnected, err)
		}
		return fmt.Errorf("natsbroker: ping: %w", err)
	}
	return nil
}
