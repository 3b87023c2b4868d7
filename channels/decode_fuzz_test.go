package channels

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
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
