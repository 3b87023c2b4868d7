package channels_test

import (
	"testing"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/brokertest"
)

func newMemoryHistory(t *testing.T, p channels.HistoryPolicy) channels.HistoryBroker {
	b := channels.NewMemoryBroker(channels.KeepHistory(p))
	t.Cleanup(func() { b.Close() })
	return b
}

func TestMemoryHistory(t *testing.T) {
	brokertest.RunHistory(t, newMemoryHistory, brokertest.HistoryOptions{
		// A new process: the ring buffers are gone and the epoch is new.
		Lose: func(t *testing.T, _ channels.HistoryBroker, p channels.HistoryPolicy) channels.HistoryBroker {
			return newMemoryHistory(t, p)
		},
	})
}

func TestMemoryHistoryConformance(t *testing.T) {
	brokertest.Run(t, func(t *testing.T) channels.Broker {
		return newMemoryHistory(t, channels.HistoryPolicy{Pattern: "*"})
	}, brokertest.Options{})
}
