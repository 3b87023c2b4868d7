// Package asyncapitest keeps the generated contract files of an App (its
// AsyncAPI document and TypeScript declarations) in step with its Go
// handlers: CheckGenerated fails a test when a committed file differs from
// what the code produces now.
package asyncapitest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nexogo/nexo/asyncapi"
	"github.com/nexogo/nexo/contract"
)

// UpdateEnv is the environment variable that makes CheckGenerated write
// the files instead of comparing them: NEXO_UPDATE_GENERATED=1 go test.
const UpdateEnv = "NEXO_UPDATE_GENERATED"

// Routes is what CheckGenerated reads the contracts from: a *nexo.App or
// *nexo.Router.
type Routes interface {
	WebSocketRoutes() []contract.Route
}

// Files names the generated files; an empty path is not checked.
type Files struct {
	AsyncAPI   string // the AsyncAPI document (asyncapi.Generate)
	TypeScript string // the TypeScript declarations (asyncapi.TypeScript)
}

// CheckGenerated fails t when a file of files differs from what app's
// routes produce now, telling how to regenerate it. With
// NEXO_UPDATE_GENERATED=1 in the environment it writes the files instead
// (the go:generate step of an application).
func CheckGenerated(t testing.TB, app Routes, info asyncapi.Info, files Files) {
	t.Helper()
	routes := app.WebSocketRoutes()
	want := map[string][]byte{}
	if files.AsyncAPI != "" {
		doc, err := asyncapi.Generate(routes, info)
		if err != nil {
			t.Fatal(err)
		}
		want[files.AsyncAPI] = doc
	}
	if files.TypeScript != "" {
		want[files.TypeScript] = asyncapi.TypeScript(routes)
	}
	update := os.Getenv(UpdateEnv) == "1"
	for path, b := range want {
		if update {
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s", path)
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("generated file missing: %v; run %s=1 go test -run %s", err, UpdateEnv, t.Name())
			continue
		}
		if !bytes.Equal(got, b) {
			t.Errorf("%s is out of date with the Go handlers (%s); run %s=1 go test -run %s and commit it",
				filepath.Base(path), firstDiff(got, b), UpdateEnv, t.Name())
		}
	}
}

// firstDiff tells the first line where the committed file and the fresh
// one differ.
func firstDiff(committed, fresh []byte) string {
	a, b := strings.Split(string(committed), "\n"), strings.Split(string(fresh), "\n")
	for i := range max(len(a), len(b)) {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			return fmt.Sprintf("line %d: committed %q, now %q", i+1, x, y)
		}
	}
	return "same lines"
}
