package nexo_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/internal/servicetest"
)

// recorder is a slog.Handler that keeps the messages logged through it.
type recorder struct {
	mu   sync.Mutex
	msgs []string // "LEVEL message"
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *recorder) WithGroup(string) slog.Handler            { return r }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, rec.Level.String()+" "+rec.Message)
	return nil
}

// matching returns the messages that start with prefix.
func (r *recorder) matching(prefix string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, m := range r.msgs {
		if strings.HasPrefix(m, prefix) {
			out = append(out, m)
		}
	}
	return out
}

// TestNewLogsBroker: New says once, at info level on the App's logger,
// which broker it uses, and never logs a URL's password.
func TestNewLogsBroker(t *testing.T) {
	cases := []struct {
		name    string
		require func(testing.TB) string // the server the case needs: want has %s for its host
		env     map[string]string
		opts    []nexo.Option
		want    string
	}{
		{name: "default", want: "INFO nexo: broker in-process"},
		{name: "memory", env: map[string]string{"NEXO_BROKER": "memory"}, want: "INFO nexo: broker in-process"},
		{name: "given", opts: []nexo.Option{nexo.WithBroker(channels.NewMemoryBroker())}, want: "INFO nexo: broker *channels.MemoryBroker given by WithBroker"},
		{name: "redis", require: servicetest.RequireRedis, env: map[string]string{"NEXO_BROKER": "redis", "NEXO_CHANNEL_PREFIX": "nexologtest:"}, want: "INFO nexo: broker redis at %s"},
		{name: "nats", require: servicetest.RequireNATS, env: map[string]string{"NEXO_BROKER": "nats", "NEXO_CHANNEL_PREFIX": "nexologtest:"}, want: "INFO nexo: broker nats at %s"},
		{name: "unreachable", env: map[string]string{"NEXO_BROKER": "redis", "NEXO_REDIS_URL": "redis://:hunter2@127.0.0.1:1"}, want: "ERROR nexo: broker unavailable"},
		{name: "mistyped redis", env: map[string]string{"NEXO_BROKER": "redis", "NEXO_REDIS_URL": "redis//:hunter2@127.0.0.1:1"}, want: "ERROR nexo: broker unavailable"},
		{name: "mistyped nats", env: map[string]string{"NEXO_BROKER": "nats", "NEXO_NATS_URL": "nats://u:hunter2%zz@127.0.0.1:1"}, want: "ERROR nexo: broker unavailable"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.require != nil {
				u, err := url.Parse(tc.require(t))
				if err != nil {
					t.Fatal(err)
				}
				tc.want = fmt.Sprintf(tc.want, u.Host)
			}
			t.Setenv("NEXO_BROKER", "")
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			rec := new(recorder)
			app := nexo.New(append(tc.opts, nexo.WithLogger(slog.New(rec)))...)
			defer nexotestShutdown(t, app)
			if got := rec.matching(tc.want); len(got) != 1 {
				t.Errorf("logged %q, want %q once", rec.matching(""), tc.want)
			}
			if got := rec.matching("INFO nexo: broker"); len(got) > 1 {
				t.Errorf("logged the broker %d times: %q", len(got), got)
			}
			if err := app.Err(); err != nil && strings.Contains(err.Error(), "hunter2") {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
}
