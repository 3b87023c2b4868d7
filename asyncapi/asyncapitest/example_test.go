package asyncapitest_test

import (
	"context"
	"testing"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/asyncapi"
	"github.com/nexogo/nexo/asyncapi/asyncapitest"
)

// In an application's test (TestContractFiles), with its generate step:
//
//	//go:generate env NEXO_UPDATE_GENERATED=1 go test -run TestContractFiles .
func ExampleCheckGenerated() {
	var t *testing.T // the test's
	app := nexo.New()
	defer app.Shutdown(context.Background())
	// ... the App's routes ...
	asyncapitest.CheckGenerated(t, app, asyncapi.Info{Title: "chat"}, asyncapitest.Files{
		AsyncAPI:   "asyncapi.json",
		TypeScript: "contract.d.ts",
	})
}
