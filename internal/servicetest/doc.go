// Package servicetest gives nexo's tests the Redis and NATS servers they
// talk to: the shared ones on this machine (Require*), and servers of a
// test's own on a free loopback port that the test may stop and start
// again (Redis, NATS), stopped by their own PID, never the shared ones.
//
// A test whose server cannot be had skips with a message that says how to
// get one, and fails instead when NEXO_REQUIRE_SERVICES=1 (as in CI): a
// skip in CI would be a failure nobody sees.
package servicetest
