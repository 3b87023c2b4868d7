package contract_test

import (
	"reflect"
	"slices"
	"testing"

	"github.com/nexogo/nexo/contract"
)

func TestParams(t *testing.T) {
	for pattern, want := range map[string][]string{
		"/":                       nil,
		"/chat/{room}":            {"room"},
		"/a/{x}/b/{y:[0-9]+}":     {"x", "y"},
		"/re/{id:[a-z]{2}}/{n}/*": {"id", "n"},
		"/files/*":                nil,
	} {
		if got := contract.Params(pattern); !slices.Equal(got, want) {
			t.Errorf("Params(%q) = %q, want %q", pattern, got, want)
		}
	}
}

type msg struct{ Text string }

// Describe keeps the handler and sorts the contract it reports.
func TestDescribe(t *testing.T) {
	h := contract.Describe(nil, contract.Description{
		Events: []contract.Event{contract.EventOf[msg, int]("z"), contract.EventOf[msg, string]("a")},
		Pushes: []contract.Push{contract.PushOf[msg]("y"), contract.PushOf[int]("b")},
	})
	d := h.(contract.Describer).Describe()
	if d.Events[0].Name != "a" || d.Pushes[0].Name != "b" {
		t.Fatalf("not sorted: %+v", d)
	}
	if d.Events[1].Data != reflect.TypeFor[msg]() || d.Events[1].Reply != reflect.TypeFor[int]() {
		t.Fatalf("types: %+v", d.Events[1])
	}
}
