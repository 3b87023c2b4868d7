package channels_test

import (
	"testing"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/brokertest"
)

func TestMemoryBrokerConformance(t *testing.T) {
	brokertest.Run(t, func(t *testing.T) channels.Broker {
		b := channels.NewMemoryBroker()
		t.Cleanup(func() { b.Close() })
		return b
	}, brokertest.Options{})
}

func TestMemoryPresenceConformance(t *testing.T) {
	b := channels.NewMemoryBroker()
	t.Cleanup(func() { b.Close() })
	brokertest.RunPresence(t, func(t *testing.T) channels.PresenceBroker { return b }, brokertest.PresenceOptions{})
}
