package nexo

import "testing"

func TestRouteEnvelope(t *testing.T) {
	for _, tt := range []struct{ pattern, data string }{{"/a", "x"}, {"", ""}, {"/rooms/{id}", ""}} {
		p, d, ok := openRouteEnvelope(routeEnvelope(tt.pattern, []byte(tt.data)))
		if !ok || p != tt.pattern || string(d) != tt.data {
			t.Errorf("%q %q: got %q %q %v", tt.pattern, tt.data, p, d, ok)
		}
	}
	for _, bad := range [][]byte{nil, {0x80}, {5, '/'}} {
		if _, _, ok := openRouteEnvelope(bad); ok {
			t.Errorf("%v opened", bad)
		}
	}
}
