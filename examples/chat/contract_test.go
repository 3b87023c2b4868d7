package main

import (
	"context"
	"testing"

	"github.com/nexogo/nexo/asyncapi/asyncapitest"
	"github.com/nexogo/nexo/internal/jscheck"
)

// The committed asyncapi.json and contract.d.ts are what the chat's
// contract produces now (NEXO_UPDATE_GENERATED=1 rewrites them: go
// generate); the document is valid AsyncAPI 3.0, and ts/chat.ts compiles
// with the declarations.
func TestContractFiles(t *testing.T) {
	app := newApp()
	t.Cleanup(func() { app.Shutdown(context.Background()) })
	asyncapitest.CheckGenerated(t, app, contractInfo(), asyncapitest.Files{
		AsyncAPI:   "asyncapi.json",
		TypeScript: "contract.d.ts",
	})
	if t.Failed() {
		return
	}
	out := jscheck.ValidateAsyncAPI(t, "asyncapi.json")
	t.Log(out)
	if out, ok := jscheck.Tsc(t, "ts"); !ok {
		t.Fatalf("tsc refused ts/chat.ts:\n%s", out)
	}
}
