package client_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nexogo/nexo/client"
)

// TestHandlerServesBothModules fetches the client and the React hook over
// a real socket: each is JavaScript, and the hook imports the client from
// where it is served, so that a page needs no bundler for either.
func TestHandlerServesBothModules(t *testing.T) {
	s := httptest.NewServer(client.Handler())
	defer s.Close()
	for _, tc := range []struct{ path, want string }{
		{client.Path, "export function connect"},
		{client.ReactPath, "export function useWebSocket"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			resp, err := http.Get(s.URL + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), "javascript") || !strings.Contains(string(body), tc.want) {
				t.Fatalf("status %d, type %q, %.80q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
			if strings.Contains(string(body), "./nexo-client.js") {
				t.Fatalf("%s imports ./nexo-client.js, which is not served", tc.path)
			}
		})
	}
	resp, err := http.Get(s.URL + "/nexo/other.js")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("/nexo/other.js: status %d, want 404", resp.StatusCode)
	}
}
