package asyncapi

import (
	"encoding"
	"encoding/json"
	"reflect"
	"time"
)

// schemaObject is a JSON Schema.
type schemaObject = map[string]any

var (
	rawType           = reflect.TypeFor[json.RawMessage]()
	timeType          = reflect.TypeFor[time.Time]()
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// schemas builds JSON Schemas of Go types; named structs go into defs and
// are referred to by $ref.
type schemas struct {
	names *namer
	defs  map[string]schemaObject
	ref   string // prefix of a $ref, e.g. "#/components/schemas/"
}

func newSchemas(n *namer, ref string) *schemas {
	return &schemas{names: n, defs: map[string]schemaObject{}, ref: ref}
}

// of returns the schema of the JSON encoding of t; nil t is null.
func (s *schemas) of(t reflect.Type) schemaObject {
	return s.with(t, rules{})
}

// with returns the schema of t constrained by the rules of its field.
func (s *schemas) with(t reflect.Type, r rules) schemaObject {
	if t == nil {
		return schemaObject{"type": "null"}
	}
	if t.Kind() == reflect.Pointer && !implements(t) {
		inner := s.with(t.Elem(), r)
		return schemaObject{"anyOf": []any{inner, schemaObject{"type": "null"}}}
	}
	sch := s.base(t)
	if _, isRef := sch["$ref"]; isRef {
		return sch
	}
	constrain(sch, t, r)
	return sch
}

// implements reports whether t encodes itself.
func implements(t reflect.Type) bool {
	return t != timeType && (t.Implements(jsonMarshalerType) || t.Implements(textMarshalerType))
}

// base is t's schema without field constraints.
func (s *schemas) base(t reflect.Type) schemaObject {
	switch {
	case t == rawType:
		return schemaObject{}
	case t == timeType:
		return schemaObject{"type": "string", "format": "date-time"}
	case t.Implements(jsonMarshalerType) || reflect.PointerTo(t).Implements(jsonMarshalerType):
		return schemaObject{}
	case t.Implements(textMarshalerType) || reflect.PointerTo(t).Implements(textMarshalerType):
		return schemaObject{"type": "string"}
	}
	switch t.Kind() {
	case reflect.Bool:
		return schemaObject{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return schemaObject{"type": "integer"}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return schemaObject{"type": "integer", "minimum": 0}
	case reflect.Float32, reflect.Float64:
		return schemaObject{"type": "number"}
	case reflect.String:
		return schemaObject{"type": "string"}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return schemaObject{"type": "string", "contentEncoding": "base64"}
		}
		return schemaObject{"type": "array", "items": s.of(t.Elem())}
	case reflect.Array:
		return schemaObject{"type": "array", "items": s.of(t.Elem()), "minItems": t.Len(), "maxItems": t.Len()}
	case reflect.Map:
		return schemaObject{"type": "object", "additionalProperties": s.of(t.Elem())}
	case reflect.Pointer:
		return s.of(t.Elem())
	case reflect.Struct:
		if t.Name() == "" {
			return s.object(t)
		}
		name := s.names.name(t)
		if _, ok := s.defs[name]; !ok {
			s.defs[name] = schemaObject{} // a recursive type refers to itself
			s.defs[name] = s.object(t)
		}
		return schemaObject{"$ref": s.ref + name}
	}
	return schemaObject{} // interfaces: any JSON value
}

// object is the schema of a struct's members.
func (s *schemas) object(t reflect.Type) schemaObject {
	props := schemaObject{}
	var required []string
	for _, f := range jsonFields(t) {
		var p schemaObject
		if f.asString {
			p = schemaObject{"type": "string"}
		} else {
			p = s.with(f.typ, f.rules)
		}
		props[f.name] = p
		if f.rules.required {
			required = append(required, f.name)
		}
	}
	o := schemaObject{"type": "object", "properties": props}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

// constrain adds the keywords of a field's validator rules to sch, the
// schema of its type t.
func constrain(sch schemaObject, t reflect.Type, r rules) {
	kind := sch["type"]
	set := func(key string, v *float64) {
		if v != nil {
			sch[key] = *v
		}
	}
	switch kind {
	case "string":
		set("minLength", r.min)
		set("maxLength", r.max)
		if r.format != "" {
			sch["format"] = r.format
		}
		if r.pattern != "" {
			sch["pattern"] = r.pattern
		}
		if r.required && r.min == nil {
			sch["minLength"] = 1 // validator's required: not empty
		}
	case "integer", "number":
		set("minimum", r.min)
		set("maximum", r.max)
		set("exclusiveMinimum", r.exclMin)
		set("exclusiveMaximum", r.exclMax)
	case "array":
		set("minItems", r.min)
		set("maxItems", r.max)
	case "object":
		set("minProperties", r.min)
		set("maxProperties", r.max)
	}
	if len(r.oneOf) > 0 {
		sch["enum"] = enumValues(r.oneOf, kind)
	}
}

// enumValues types oneof's values as the field's JSON type.
func enumValues(vals []string, kind any) []any {
	out := make([]any, 0, len(vals))
	for _, v := range vals {
		if kind == "integer" || kind == "number" {
			var n json.Number = json.Number(v)
			if _, err := n.Float64(); err == nil {
				out = append(out, n)
				continue
			}
		}
		out = append(out, v)
	}
	return out
}
