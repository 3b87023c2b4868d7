package nexo_test

import (
	"context"
	"fmt"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
)

// A registry's groups in the App's introspection: names, members and
// history length, read-only.
func ExampleWithRegistry() {
	reg := channels.NewRegistry()
	app := nexo.New(nexo.WithRegistry(reg))
	defer app.Shutdown(context.Background())
	reg.Group("room:lobby").SendText("welcome", channels.SaveHistory())
	for _, g := range app.Introspect(context.Background()).Groups {
		fmt.Printf("%s: %d members, %d kept\n", g.Name, g.Members, g.History)
	}
	// Output: room:lobby: 0 members, 1 kept
}
