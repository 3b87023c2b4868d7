package nexo

import (
	"net/http"
	"sync"

	"github.com/nexogo/nexo/asyncapi"
)

// AsyncAPI returns the AsyncAPI 3.0 document (JSON) of the App's WebSocket
// routes: every route with its path parameters and, for handlers that
// describe their contract (see WebSocketHandler), their events, replies,
// pushes and error frames, and the close codes. Write it to a file to
// share it, or serve it with AsyncAPIHandler.
func (a *App) AsyncAPI(info asyncapi.Info) ([]byte, error) {
	return asyncapi.Generate(a.WebSocketRoutes(), info)
}

// AsyncAPIHandler serves the App's AsyncAPI document, generated once on the
// first request (register every route before serving). It is opt-in: mount
// it where the document belongs, for example
//
//	app.Get("/nexo/asyncapi.json", app.AsyncAPIHandler(asyncapi.Info{Title: "chat"}).ServeHTTP)
//
// The document tells anyone who reads it every route and event: put it
// behind authentication when that is not public knowledge.
func (a *App) AsyncAPIHandler(info asyncapi.Info) http.Handler {
	doc := sync.OnceValues(func() ([]byte, error) { return a.AsyncAPI(info) })
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := doc()
		if err != nil {
			http.Error(w, "asyncapi: "+err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	})
}
