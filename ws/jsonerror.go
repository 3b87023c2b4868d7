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

// withJSONPath rewrites the path of a type mismatch found decoding into
// target: encoding/json puts in it the Go names of the untagged embedded
// structs it went through, which are no part of the JSON. Other errors are
// returned as they are.
func withJSONPath(err error, target any) error {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) || te.Field == "" {
		return err
	}
	t := reflect.TypeOf(target)
	var path []string
	for seg := range strings.SplitSeq(te.Field, ".") {
		t = container(t)
		if t == nil || t.Kind() != reflect.Struct {
			path, t = append(path, seg), nil
			continue
		}
		if f, ok := jsonField(t, seg); ok {
			path, t = append(path, seg), f.Type
			continue
		}
		if f, ok := t.FieldByName(seg); ok && f.Anonymous && jsonName(f) == "" {
			t = f.Type // an embedded struct: its fields are the parent's
			continue
		}
		path, t = append(path, seg), nil
	}
	te.Field = strings.Join(path, ".")
	return err
}

// container returns the type whose fields a path segment names: t
// without pointers, and the element type of slices, arrays and maps,
// whose indices and keys the path leaves out.
func container(t reflect.Type) reflect.Type {
	for t != nil {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
			t = t.Elem()
		default:
			return t
		}
	}
	return nil
}

// jsonField returns the field of struct t that the JSON key name decodes
// into, among its own fields and those promoted from embedded structs.
func jsonField(t reflect.Type, name string) (reflect.StructField, bool) {
	for _, f := range reflect.VisibleFields(t) {
		if f.Anonymous && jsonName(f) == "" && container(f.Type).Kind() == reflect.Struct {
			continue // embedded: not a key of its own
		}
		n := jsonName(f)
		if n == "" {
			n = f.Name
		}
		if n == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// jsonName returns the name in f's json tag, if any.
func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" {
		return ""
	}
	return name
}
