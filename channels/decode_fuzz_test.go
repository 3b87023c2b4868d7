package channels

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/nexogo/nexo/ws"
)

// FuzzEventFrame: any bytes parse without panicking into a frame that
// survives a round trip, or into a *ws.DecodeError / ErrNoEvent whose
// error frame is well formed.
func FuzzEventFrame(f *testing.F) {
	for _, s := range []string{
		`{"event":"chat.send","data":{"room":"a","text":"hi"},"ref":1}`,
		`{"event":"a","data":null,"ref":null}`,
		`{"event":"a","ref":"x"}`,
		`{"data":1,"ref":9}`,
		`{"event":1}`,
		`[1,2]`,
		`{"event":"\u00e9","data":[1,{"a":[]}],"ref":{"nested":true}}`,
		`{"EVENT":"a","Data":2}`,
		`{"event":"a","event":"b"}`,
		``,
		"{\"event\":\"\xff\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := ParseEventFrame(b)
		if err != nil {
			var de *ws.DecodeError
			if !errors.As(err, &de) && !errors.Is(err, ErrNoEvent) {
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
			ef := withRef(ws.NewErrorFrame(err), fr.Ref)
			if _, merr := json.Marshal(ef); merr != nil {
				t.Fatalf("error frame does not encode: %v", merr)
			}
			speaksJSON(t, ef)
			return
		}
		if fr.Event == "" {
			t.Fatal("accepted a frame without an event")
		}
		if fr.Data != nil && (!json.Valid(fr.Data) || isNull(fr.Data)) {
			t.Fatalf("data %q", fr.Data)
		}
		if fr.Ref != nil && (!json.Valid(fr.Ref) || isNull(fr.Ref)) {
			t.Fatalf("ref %q", fr.Ref)
		}
		out, err := json.Marshal(fr)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		again, err := ParseEventFrame(out)
		if err != nil || again.Event != fr.Event || !jsonEqual(again.Data, fr.Data) || !jsonEqual(again.Ref, fr.Ref) {
			t.Fatalf("round trip: %+v -> %s -> %+v (%v)", fr, out, again, err)
		}
		if _, err := json.Marshal(reply{Type: "reply", Ref: fr.Ref, Data: fr.Data}); err != nil {
			t.Fatalf("reply does not encode: %v", err)
		}
		if m := truncate(fr.Event, 64); len(m) > 64+len("…") || (utf8.ValidString(fr.Event) && !utf8.ValidString(m)) {
			t.Fatalf("truncate(%q) = %q", fr.Event, m)
		}
	})
}

// goIdentifiers matches what encoding/json says about Go: "Go struct
// field", type names, Go kinds.
var goIdentifiers = regexp.MustCompile(`Go |EventFrame|RawMessage|fuzzTarget|FuzzEmbedded|channels\.|\b(u?int(8|16|32|64)?|float(32|64)|bool|struct|map|interface)\b|\[\]`)

// jsonTypes are the types an invalid_json frame's fields may name.
var jsonTypes = map[string]bool{"object": true, "array": true, "string": true, "number": true, "integer": true, "boolean": true, "value": true}

// speaksJSON fails when an error frame names Go identifiers or a field
// type that is not a JSON type.
func speaksJSON(t *testing.T, ef ws.ErrorFrame) {
	t.Helper()
	if goIdentifiers.MatchString(ef.Message) {
		t.Fatalf("error frame names Go: %q", ef.Message)
	}
	for path, typ := range ef.Fields {
		if ef.Error == "invalid_json" && !jsonTypes[typ] || goIdentifiers.MatchString(path) {
			t.Fatalf("error frame field %q: %q", path, typ)
		}
	}
}

// FuzzEmbedded is embedded without a tag, as encoding/json names in its
// error paths.
type FuzzEmbedded struct {
	E *struct {
		V []uint8 `json:"v"`
		W int16   `json:"w"`
	} `json:"e"`
}

// fuzzTarget has a field of every JSON kind, and promoted ones.
type fuzzTarget struct {
	*FuzzEmbedded
	I  int8               `json:"i"`
	U  uint               `json:"u"`
	F  float32            `json:"f"`
	B  bool               `json:"b"`
	S  string             `json:"s"`
	Bs []byte             `json:"bs"`
	L  []int              `json:"l"`
	A  [2]string          `json:"a"`
	M  map[string]float64 `json:"m"`
	P  *struct {
		T time.Time `json:"t"`
		N []*int16  `json:"n"`
	} `json:"p"`
	Any any `json:"any"`
}

// FuzzInvalidJSONFrame: whatever bytes a client sends, the invalid_json
// frame that answers them names JSON paths and types, never Go.
func FuzzInvalidJSONFrame(f *testing.F) {
	for _, s := range []string{
		`{"i":300}`, `{"i":1.5}`, `{"u":-1}`, `{"f":1e400}`, `{"b":"x"}`, `{"s":1}`, `{"bs":5}`, `{"bs":"@@"}`,
		`{"l":[1,"2"]}`, `{"a":{}}`, `{"m":{"k":"v"}}`, `{"p":{"t":"x"}}`, `{"p":{"n":[true]}}`, `{"p":[]}`, `{"e":{"w":"x"}}`, `{"e":{"v":[-1]}}`,
		`[1]`, `"s"`, `{`, `nul`, "ÿ",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var v fuzzTarget
		err := ws.Message{Type: ws.TextMessage, Data: b}.JSON(&v)
		if err == nil {
			return
		}
		ef := ws.NewErrorFrame(err)
		if ef.Error != "invalid_json" {
			t.Fatalf("frame %+v", ef)
		}
		speaksJSON(t, ef)
	})
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y bytes.Buffer
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	return json.Compact(&x, a) == nil && json.Compact(&y, b) == nil && bytes.Equal(x.Bytes(), y.Bytes())
}

// FuzzPayload: the receive check and the rate limiter's ref reader never
// panic, agree with encoding/json, and every payload a channel sends is one
// it would accept back.
func FuzzPayload(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{"ref":3}`, ` {"ref":"x"}`, `[1]`, `"s"`, `{`, ``, "\xff", `{"ref":null}`} {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, b []byte, text bool) {
		typ := ws.BinaryMessage
		if text {
			typ = ws.TextMessage
		}
		m := ws.Message{Type: typ, Data: b}
		if err := check(JSON, m); (err == nil) != json.Valid(b) {
			t.Fatalf("check(JSON) = %v, json.Valid = %v", err, json.Valid(b))
		}
		for _, pt := range []PayloadType{Text, Bytes} {
			err := check(pt, m)
			fits := (pt == Text) == text
			if fits != (err == nil) || (err != nil && !errors.Is(err, ErrPayloadType)) {
				t.Fatalf("check(%v, %v) = %v", pt, typ, err)
			}
		}
		if ref := refOf(m); ref != nil && (!json.Valid(ref) || isNull(ref)) {
			t.Fatalf("refOf = %q", ref)
		}
		// What Send encodes, Receive accepts.
		for pt, v := range map[PayloadType]any{JSON: string(b), Text: string(b), Bytes: b} {
			mt, data, err := encode(pt, v)
			if err != nil {
				t.Fatalf("encode(%v): %v", pt, err)
			}
			if err := check(pt, ws.Message{Type: mt, Data: data}); err != nil {
				t.Fatalf("encode(%v) gives a message check refuses: %v", pt, err)
			}
		}
	})
}
