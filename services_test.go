package nexo_test

import (
	"net"
	"os"
	"testing"
	"time"
)

// reachable skips the test when addr does not answer, or fails it when
// NEXO_REQUIRE_SERVICES=1.
func reachable(t *testing.T, name, addr string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		c.Close()
		return
	}
	if os.Getenv("NEXO_REQUIRE_SERVICES") == "1" {
		t.Fatalf("%s not reachable at %s: %v", name, addr, err)
	}
	t.Skipf("%s not reachable at %s: %v", name, addr, err)
}
