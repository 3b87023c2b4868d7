package main

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The login form answers each kind of client in its own way: JSON with
// 401 to the page's fetch, a redirect back to the page (with
// ?login=failed) to a browser posting the form without JavaScript.
func TestLoginAnswers(t *testing.T) {
	s := newTestServer(t)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tc := range []struct {
		accept, pass string
		status       int
		want         string // body, or Location for a redirect
	}{
		{"application/json", "wrong", http.StatusUnauthorized, `{"error":"wrong name or password"}` + "\n"},
		{"application/json", "lovelace", http.StatusOK, `{"name":"ada"}` + "\n"},
		{"text/html,application/xhtml+xml", "wrong", http.StatusSeeOther, "/?login=failed"},
		{"text/html,application/xhtml+xml", "lovelace", http.StatusSeeOther, "/"},
	} {
		req, err := http.NewRequest(http.MethodPost, s.URL+"/login", strings.NewReader(url.Values{"name": {"ada"}, "password": {tc.pass}}.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", tc.accept)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got := string(body)
		if resp.StatusCode == http.StatusSeeOther {
			got = resp.Header.Get("Location")
		}
		if resp.StatusCode != tc.status || got != tc.want {
			t.Errorf("Accept %s, password %s: HTTP %d %q, want %d %q", tc.accept, tc.pass, resp.StatusCode, got, tc.status, tc.want)
		}
	}
}
