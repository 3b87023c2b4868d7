package main

// NEXO_BROKER=redis and NEXO_BROKER=nats, which the two-instance
// scenarios of run.sh set, need the broker packages imported.
import (
	_ "github.com/nexogo/nexo/channels/natsbroker"
	_ "github.com/nexogo/nexo/channels/redisbroker"
)
