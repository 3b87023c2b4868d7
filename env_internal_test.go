package nexo

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/nexogo/nexo/internal/brokerdriver"
)

// noDrivers is the driver table of a program that imports no broker
// package.
func noDrivers(string) (brokerdriver.Open, bool) { return nil, false }

// TestBrokerDriverNotImported: NEXO_BROKER naming a broker whose package
// the program does not import is an error that names the import to add.
// (internal/binsize runs the README's quick start so, end to end.)
func TestBrokerDriverNotImported(t *testing.T) {
	for name, pkg := range map[string]string{
		"redis": "github.com/nexogo/nexo/channels/redisbroker",
		"nats":  "github.com/nexogo/nexo/channels/natsbroker",
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv("NEXO_BROKER", name)
			b, own, _, err := config{}.openBroker(context.Background(), noDrivers)
			if !errors.Is(err, ErrNoBrokerDriver) {
				t.Fatalf("error %v, want ErrNoBrokerDriver", err)
			}
			if want := `import _ "` + pkg + `"`; !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not name %s", err, want)
			}
			if b == nil || !own {
				t.Errorf("broker %v, own %v: want an in-process broker the App closes", b, own)
			}
			b.Close()
		})
	}
}

func TestServersOf(t *testing.T) {
	for in, want := range map[string]string{
		"redis://127.0.0.1:6379":                        "127.0.0.1:6379",
		"redis://:secret@redis:6379/0":                  "redis:6379",
		"nats://u:p@a:4222, nats://b:4222":              "a:4222,b:4222",
		"rediss://user:pw@cache.example.com:6380/1?x=y": "cache.example.com:6380",
		"not a url": "(unparsed URL)",
	} {
		if got := serversOf(in); got != want {
			t.Errorf("serversOf(%q) = %q, want %q", in, got, want)
		}
	}
}
