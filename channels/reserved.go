package channels

import (
	"errors"
	"fmt"
	"strings"
)

// ReservedPrefix starts the topics nexo keeps for itself: an App carries
// Broadcast, BroadcastRoute, SendTo and Disconnect on "nexo.…" topics of
// its broker. Join, Publish and Subscription.Publish refuse them, so an
// application that lets a client name the topic it joins cannot hand that
// client other users' direct messages, nor let anyone write into them.
const ReservedPrefix = "nexo."

// ErrReservedTopic is returned for a topic that starts with ReservedPrefix.
var ErrReservedTopic = errors.New("channels: topic reserved for nexo")

// checkTopic refuses reserved topics, presence topics of them included.
func checkTopic(topic string) error {
	if strings.HasPrefix(topic, ReservedPrefix) {
		return fmt.Errorf("%w: %q", ErrReservedTopic, topic)
	}
	return nil
}
