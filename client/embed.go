// Package client holds nexo's browser client, built from the TypeScript in
// src/ into dist/ (committed; CI checks that the two never drift), and
// embedded so that every App serves it at /nexo/client.js.
package client

import (
	_ "embed"
	"net/http"
)

// Path is where an App serves the client.
const Path = "/nexo/client.js"

//go:embed dist/nexo-client.js
var script []byte

// Script returns the client as one ES module.
func Script() []byte { return script }

// Handler serves the client with a JavaScript content type.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(script)
	})
}
