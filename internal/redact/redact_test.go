package redact_test

import (
	"errors"
	"net/url"
	"testing"

	"github.com/nexogo/nexo/internal/redact"
)

func TestURLs(t *testing.T) {
	for in, want := range map[string]string{
		"redis://:pw@127.0.0.1:6379":             "redis://:xxxxx@127.0.0.1:6379",
		"redis://127.0.0.1:6379/0":               "redis://127.0.0.1:6379/0",
		"redis//:pw@127.0.0.1:6379":              "redis//:xxxxx@127.0.0.1:6379",
		"redis:/:pw@127.0.0.1:6379":              "redis:/:xxxxx@127.0.0.1:6379",
		"nats://u:pw%zz@127.0.0.1:4222":          "nats://xxxxx@127.0.0.1:4222",
		"u:p@w@host":                             "u:xxxxx@host",
		"nats://a:pw@h1:4222,nats//b:pw@h2:4222": "nats://a:xxxxx@h1:4222,nats//xxxxx@h2:4222",
		"not a url at all":                       "not a url at all",
	} {
		if got := redact.URLs(in); got != want {
			t.Errorf("URLs(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestError(t *testing.T) {
	const u = "redis://:pw%zz@127.0.0.1:6379"
	_, perr := url.Parse(u)
	if perr == nil {
		t.Fatal("url.Parse accepted a bad escape")
	}
	err := redact.Error(perr, "nats://h:1,"+u)
	if got, want := err.Error(), `parse "redis://:xxxxx@127.0.0.1:6379": invalid URL escape "%zz"`; got != want {
		t.Errorf("Error = %q, want %q", got, want)
	}
	var ue *url.Error
	if !errors.As(err, &ue) {
		t.Error("the redacted error does not unwrap to the *url.Error")
	}
	other := errors.New("pw")
	if redact.Error(other, u) != other {
		t.Error("Error changed an error that does not quote the URL")
	}
	if redact.Error(nil, u) != nil {
		t.Error("Error(nil) is not nil")
	}
}
