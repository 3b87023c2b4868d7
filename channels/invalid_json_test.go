package channels_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

// Audited is embedded without a tag: its fields are promoted, and
// encoding/json puts its Go name in the paths of their errors.
type Audited struct {
	By *struct {
		ID uint `json:"id"`
	} `json:"by"`
}

type sumReq struct {
	Audited
	A     int `json:"a"`
	Inner struct {
		N []float64 `json:"n"`
	} `json:"inner"`
}

// goNames matches what encoding/json says about Go: type and field names,
// kinds such as int or float64.
var goNames = regexp.MustCompile(`Go |sumReq|Audited|channels_test|\bu?int\b|float64|struct|\[\]`)

// An invalid_json error frame names the field by its JSON path and the
// JSON type expected, never a Go identifier, whether it comes from an
// EventRouter or from ws.Decode answered with SendError.
func TestInvalidJSONFrameHasNoGoNames(t *testing.T) {
	r := channels.NewEventRouter()
	channels.On(r, "sum", func(c *ws.Conn, in sumReq) (any, error) { return in.A, nil })
	routed := serve(t, r.Handler())
	decoded := serve(t, func(c *ws.Conn) error {
		for {
			_, err := ws.Decode[sumReq](c)
			if err != nil {
				if err := c.SendError(err); err != nil {
					return err
				}
			}
		}
	})
	for _, tc := range []struct {
		data, field, want string
	}{
		{`{"a":"x"}`, "a", "integer"},
		{`{"inner":{"n":[1,"2"]}}`, "inner.n", "number"},
		{`{"inner":{"n":{}}}`, "inner.n", "array"},
		{`{"inner":[]}`, "inner", "object"},
		{`{"by":{"id":-1}}`, "by.id", "integer"},
	} {
		for name, e := range map[string]*env{"router": routed, "decode": decoded} {
			c := e.dial()
			if name == "router" {
				c.SendText(`{"event":"sum","ref":1,"data":` + tc.data + `}`)
			} else {
				c.SendText(tc.data)
			}
			var f ws.ErrorFrame
			c.ReadJSON(&f)
			if f.Error != "invalid_json" || goNames.MatchString(f.Message) || goNames.MatchString(fmt.Sprint(f.Fields)) {
				t.Errorf("%s %s: frame %+v names Go", name, tc.data, f)
			}
			if f.Fields[tc.field] != tc.want {
				t.Errorf("%s %s: fields %v, want %s: %s", name, tc.data, f.Fields, tc.field, tc.want)
			}
		}
	}
}
