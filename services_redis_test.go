package nexo_test

import (
	"testing"

	"github.com/nexogo/nexo/internal/servicetest"
)

// ownRedis starts a redis-server of the test's own on a free loopback
// port, which the test may stop and start again (servicetest.Redis).
func ownRedis(t testing.TB) *servicetest.Server { return servicetest.Redis(t) }
