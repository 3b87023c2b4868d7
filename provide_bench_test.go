package nexo_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/nexogo/nexo"
)

// BenchmarkValue reads a provided value from a context derived from the
// App's, as a connection's is.
func BenchmarkValue(b *testing.B) {
	app := nexo.New()
	nexo.Provide(app, &store{"s"})
	ctx, cancel := context.WithCancel(app.Context())
	defer cancel()
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := nexo.Value[*store](ctx); !ok {
			b.Fatal("no value")
		}
	}
}

// BenchmarkServeHTTPProvided is what an HTTP request costs with and
// without provided values (the App adds them to the request's context).
func BenchmarkServeHTTPProvided(b *testing.B) {
	for _, provided := range []bool{false, true} {
		name := "none"
		if provided {
			name = "provided"
		}
		b.Run(name, func(b *testing.B) {
			app := nexo.New()
			if provided {
				nexo.Provide(app, &store{"s"})
			}
			app.Get("/", func(w http.ResponseWriter, r *http.Request) {})
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			w := httptest.NewRecorder()
			b.ReportAllocs()
			for b.Loop() {
				app.ServeHTTP(w, req)
			}
		})
	}
}
