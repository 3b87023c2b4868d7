// Package client holds nexo's browser client, built from the TypeScript in
// src/ into dist/ (committed; CI checks that the two never drift), and
// embedded so that every App serves it at /nexo/client.js, and its React
// hook at /nexo/react.js.
package client

import (
	"bytes"
	_ "embed"
	"net/http"
)

// Path is where an App serves the client.
const Path = "/nexo/client.js"

// ReactPath is where an App serves the React hook. It imports the client
// from Path, and React by the bare name "react", which the page maps with
// an import map.
const ReactPath = "/nexo/react.js"

//go:embed dist/nexo-client.js
var script []byte

//go:embed dist/react.js
var reactScript []byte

// Script returns the client as one ES module.
func Script() []byte { return script }

// ReactScript returns the React hook as one ES module that imports the
// client from where Handler serves it.
func ReactScript() []byte {
	return bytes.Replace(reactScript, []byte(`from './nexo-client.js'`), []byte(`from './client.js'`), 1)
}

// Handler serves the client at Path and the React hook at ReactPath with
// a JavaScript content type, and 404 for any other path. It is safe for
// concurrent use.
func Handler() http.Handler {
	files := map[string][]byte{Path: script, ReactPath: ReactScript()}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(body)
	})
}
