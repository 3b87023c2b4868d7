// Package nexotest runs a nexo App (or any http.Handler) under httptest and
// dials it with a real WebSocket client, with reads that time out instead of
// hanging a test.
//
//	srv := nexotest.NewServer(t, app)
//	c := srv.Dial("/ws")
//	c.SendText("hi")
//	if got := c.ReadText(); got != "hi" { ... }
//	c.ExpectClose(1000)
//
// Helpers fail the test through testing.TB; they must be called from the
// test's goroutine (or use the Try variants from others).
package nexotest
