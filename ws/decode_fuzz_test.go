package ws

import (
	"encoding/json"
	"errors"
	"testing"
	"unicode/utf8"
)

// fuzzPost is a typical inbound message with validation tags.
type fuzzPost struct {
	Type string   `json:"type" validate:"required,oneof=post edit"`
	Text string   `json:"text" validate:"required,min=1,max=64"`
	Room string   `json:"room" validate:"omitempty,alphanum,max=16"`
	Tags []string `json:"tags" validate:"max=4,dive,min=1"`
	Ref  *int     `json:"ref"`
}

// FuzzDecode: the body of Decode (Message.JSON, then Validate) on arbitrary
// payloads never panics; every error is a *DecodeError or a
// *ValidationError; a value that passes keeps its tags' promises; and the
// error frame of any failure encodes as JSON.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"type":"post","text":"hi"}`,
		`{"type":"post","text":"hi","room":"a1","tags":["x"],"ref":3}`,
		`{"type":"delete","text":""}`,
		`{"type":"post","text":"hi","tags":["","","","",""]}`,
		`{"type":`, `null`, `[]`, `"x"`, `{"ref":1e999}`, "\xff\xfe", `{"text":"\ud800"}`,
	} {
		f.Add([]byte(s))
	}
	val := NewValidator()
	f.Fuzz(func(t *testing.T, data []byte) {
		var v fuzzPost
		err := Message{Type: TextMessage, Data: data}.JSON(&v)
		if err == nil {
			err = validateWith(val, &v)
		}
		if err != nil {
			var de *DecodeError
			var ve *ValidationError
			if !errors.As(err, &de) && !errors.As(err, &ve) {
				t.Fatalf("error %T %v is neither a DecodeError nor a ValidationError", err, err)
			}
			if ve != nil && len(ve.Fields) == 0 {
				t.Fatal("ValidationError without fields")
			}
			if _, err := json.Marshal(NewErrorFrame(err)); err != nil {
				t.Fatalf("error frame does not encode: %v", err)
			}
			return
		}
		if v.Type != "post" && v.Type != "edit" {
			t.Fatalf("type %q passed validation", v.Type)
		}
		if n := utf8.RuneCountInString(v.Text); n < 1 || n > 64 {
			t.Fatalf("text of %d runes passed validation", n)
		}
		if len(v.Tags) > 4 {
			t.Fatalf("%d tags passed validation", len(v.Tags))
		}
	})
}
