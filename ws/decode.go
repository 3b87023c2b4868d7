package ws

import (
	"errors"
	"reflect"
	"sort"
	"strings"

	"github.com/go-playground/validator/v10"
)

// DecodeError reports a message that is not valid JSON for the target.
type DecodeError struct{ Err error }

// Error implements error.
func (e *DecodeError) Error() string { return "ws: invalid JSON: " + e.Err.Error() }

// Unwrap returns the JSON error.
func (e *DecodeError) Unwrap() error { return e.Err }

// EncodeError reports a value that could not be encoded as JSON.
type EncodeError struct{ Err error }

// Error implements error.
func (e *EncodeError) Error() string { return "ws: cannot encode JSON: " + e.Err.Error() }

// Unwrap returns the JSON error.
func (e *EncodeError) Unwrap() error { return e.Err }

// ValidationError lists the fields that failed their `validate:` tags,
// by JSON name, each with the rule it broke ("required", "min=3"). It
// wraps the validator's validator.ValidationErrors, which errors.As
// finds, to translate them with a universal-translator.
type ValidationError struct {
	Fields map[string]string

	errs validator.ValidationErrors
}

// Unwrap returns the validator's errors, or nil for a ValidationError
// made by hand.
func (e *ValidationError) Unwrap() error {
	if e.errs == nil {
		return nil
	}
	return e.errs
}

// Error implements error; it names every failing field.
func (e *ValidationError) Error() string {
	names := make([]string, 0, len(e.Fields))
	for n := range e.Fields {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("ws: validation failed:")
	for i, n := range names {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(" " + n + ": " + e.Fields[n])
	}
	return b.String()
}

// Decode receives the next message, decodes its JSON into a T and validates
// T's `validate:` tags (github.com/go-playground/validator/v10). A malformed
// message is a *DecodeError and a failed validation a *ValidationError;
// both leave the connection open, and c.SendError answers them.
func Decode[T any](c *Conn) (T, error) {
	var v T
	err := c.ReceiveJSON(&v)
	return v, err
}

// Validate checks v's `validate:` tags with the server's validator
// (NewValidator's, or the one WithValidator gives). Values that are not
// structs (or pointers to structs) pass.
func (c *Conn) Validate(v any) error {
	return validateWith(c.srv.validate, v)
}

func validateWith(val *validator.Validate, v any) error {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	err := val.Struct(v)
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		return err
	}
	fields := make(map[string]string, len(ves))
	for _, fe := range ves {
		name := fe.Namespace()
		if _, after, ok := strings.Cut(name, "."); ok {
			name = after // drop the struct's own name
		}
		rule := fe.Tag()
		if fe.Param() != "" {
			rule += "=" + fe.Param()
		}
		fields[name] = rule
	}
	return &ValidationError{Fields: fields, errs: ves}
}

// ErrorFrame is the JSON frame that tells a client its input was refused:
//
//	{"type":"error","error":"validation","message":"...","fields":{"name":"required"}}
//
// Error is "invalid_json" for a *DecodeError, "validation" for a
// *ValidationError, "message_type" for ErrMessageType, and "bad_request"
// otherwise. An invalid_json frame speaks JSON, never Go: a value of the
// wrong type gives its field path and the JSON type expected, in Message
// (`field inner.n: expected number, got string`) and in Fields
// ({"inner.n":"number"}). Ref echoes the request's reference when there is
// one.
type ErrorFrame struct {
	Type    string            `json:"type"`
	Error   string            `json:"error"`
	Message string            `json:"message,omitempty"`
	Fields  map[string]string `json:"fields,omitempty"`
	Ref     any               `json:"ref,omitempty"`
}

// NewErrorFrame describes err for the client.
func NewErrorFrame(err error) ErrorFrame {
	f := ErrorFrame{Type: "error", Error: "bad_request", Message: err.Error()}
	var de *DecodeError
	var ve *ValidationError
	switch {
	case errors.As(err, &ve):
		f.Error, f.Message, f.Fields = "validation", "validation failed", ve.Fields
	case errors.As(err, &de):
		f.Error = "invalid_json"
		f.Message, f.Fields = jsonProblem(de.Err)
	case errors.Is(err, ErrMessageType):
		f.Error = "message_type"
	}
	return f
}

// SendError sends NewErrorFrame(err) to the client.
func (c *Conn) SendError(err error) error {
	return c.SendJSON(NewErrorFrame(err))
}
