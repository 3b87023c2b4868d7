package nexotest

import (
	"io"
	"net/http"
	"testing"
	"time"
)

// Get sends GET url and returns the response's status and body. A request
// that fails ends the test.
func Get(t testing.TB, url string) (status int, body string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// WaitStatus polls url with GET until it answers want and returns that
// answer's body; it ends the test after 10 s. It is meant for
// probes such as /readyz, whose answer changes with no event to wait on.
func WaitStatus(t testing.TB, url string, want int) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, body := Get(t, url)
		if status == want {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d %q, want %d", url, status, body, want)
		}
		time.Sleep(20 * time.Millisecond) // a probe has no event to wait on
	}
}
