package nexo_test

import "testing"

// TestServicesFollowTheEnvironment: the tests look for the shared servers
// at NEXO_REDIS_URL and NEXO_NATS_URL, as servicetest and the README say,
// not at the default addresses: with the variable pointing at a closed
// port the check skips, even while a server answers at the default.
func TestServicesFollowTheEnvironment(t *testing.T) {
	t.Setenv("NEXO_REQUIRE_SERVICES", "")
	env := map[string]string{"redis": "NEXO_REDIS_URL", "nats": "NEXO_NATS_URL"}
	closed := map[string]string{"redis": "redis://127.0.0.1:1", "nats": "nats://127.0.0.1:1"}
	for _, kind := range brokerKinds {
		t.Setenv(env[kind.name], closed[kind.name])
		reached := false
		t.Run(kind.name, func(t *testing.T) {
			kind.require(t)
			reached = true
		})
		if reached {
			t.Errorf("%s: the check passed with %s=%s: the tests do not use the server the environment names", kind.name, env[kind.name], closed[kind.name])
		}
	}
}
