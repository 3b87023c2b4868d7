package ws

import (
	"encoding"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
)

// jsonProblem describes a JSON decoding error for the client in JSON's
// own terms, never Go's (encoding/json names Go types and struct fields):
// a type mismatch gives the field's path and the JSON type expected (also
// returned as fields, path -> type), a syntax error its own message, which
// names JSON tokens only, and anything else (an UnmarshalJSON method's
// error, bad base64) "invalid value".
func jsonProblem(err error) (msg string, fields map[string]string) {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		want, got := jsonType(te.Type), truncateValue(te.Value)
		if got == "bool" {
			got = "boolean"
		}
		what := "expected " + want + ", got " + got
		if outOfRange(want, got) {
			what = got + " out of range"
		}
		if te.Field == "" {
			return what, nil
		}
		return "field " + te.Field + ": " + what, map[string]string{te.Field: want}
	case errors.As(err, &se):
		return se.Error(), nil
	}
	return "invalid value", nil
}

// outOfRange reports whether a number literal of the right JSON type was
// refused: too large, or negative for an unsigned integer.
func outOfRange(want, got string) bool {
	lit, ok := strings.CutPrefix(got, "number ")
	return ok && (want == "number" || want == "integer" && !strings.ContainsAny(lit, ".eE"))
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// jsonType names the JSON type that decodes into t.
func jsonType(t reflect.Type) string {
	if t == nil {
		return "value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(textUnmarshaler) {
		return "string"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.String:
		return "string"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "string" // base64
		}
		return "array"
	case reflect.Array:
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	}
	return "value"
}

// truncateValue bounds the JSON value encoding/json quotes (a number's
// literal comes from the client).
func truncateValue(v string) string {
	const n = 40
	if len(v) <= n {
		return v
	}
	return v[:n] + "…"
}
