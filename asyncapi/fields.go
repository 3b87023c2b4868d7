package asyncapi

import (
	"reflect"
	"strconv"
	"strings"
)

// field is one JSON member of a struct, as encoding/json sees it.
type field struct {
	name      string
	typ       reflect.Type
	omitempty bool
	asString  bool // the ",string" option
	rules     rules
}

// jsonFields lists the JSON members of struct type t: exported fields by
// their json tag name, embedded structs without a name flattened, "-"
// skipped. A name defined at a shallower depth wins, as in encoding/json.
func jsonFields(t reflect.Type) []field {
	var out []field
	seen := map[string]bool{}
	var walk func(t reflect.Type, depth int)
	walk = func(t reflect.Type, depth int) {
		if depth > 8 {
			return
		}
		var embedded []reflect.Type
		for i := range t.NumField() {
			sf := t.Field(i)
			tag := sf.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			ft := sf.Type
			if sf.Anonymous && name == "" {
				et := ft
				if et.Kind() == reflect.Pointer {
					et = et.Elem()
				}
				if et.Kind() == reflect.Struct {
					embedded = append(embedded, et)
					continue
				}
			}
			if !sf.IsExported() {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			if seen[name] {
				continue
			}
			seen[name] = true
			out = append(out, field{
				name:      name,
				typ:       ft,
				omitempty: hasOpt(opts, "omitempty") || hasOpt(opts, "omitzero"),
				asString:  hasOpt(opts, "string"),
				rules:     parseRules(sf.Tag.Get("validate")),
			})
		}
		for _, et := range embedded {
			walk(et, depth+1)
		}
	}
	walk(t, 0)
	return out
}

func hasOpt(opts, name string) bool {
	for _, o := range strings.Split(opts, ",") {
		if o == name {
			return true
		}
	}
	return false
}

// rules are the validator tags of a field that JSON Schema can say.
type rules struct {
	required bool
	min, max *float64 // min/max/len/gte/lte
	exclMin  *float64 // gt
	exclMax  *float64 // lt
	oneOf    []string
	format   string
	pattern  string
}

// parseRules reads a validate tag. Rules after "dive" (about the
// elements) and alternatives ("a|b") are left out.
func parseRules(tag string) rules {
	var r rules
	for _, rule := range splitRules(tag) {
		if rule == "dive" || rule == "keys" {
			break
		}
		if strings.Contains(rule, "|") {
			continue
		}
		name, arg, _ := strings.Cut(rule, "=")
		num := func() *float64 {
			f, err := strconv.ParseFloat(arg, 64)
			if err != nil {
				return nil
			}
			return &f
		}
		switch name {
		case "required":
			r.required = true
		case "min", "gte":
			r.min = num()
		case "max", "lte":
			r.max = num()
		case "len", "eq":
			if name == "eq" && arg != "" {
				if _, err := strconv.ParseFloat(arg, 64); err != nil {
					continue
				}
			}
			r.min, r.max = num(), num()
		case "gt":
			r.exclMin = num()
		case "lt":
			r.exclMax = num()
		case "oneof":
			r.oneOf = splitOneOf(arg)
		case "email":
			r.format = "email"
		case "url", "uri", "http_url":
			r.format = "uri"
		case "uuid", "uuid4", "uuid_rfc4122", "uuid4_rfc4122":
			r.format = "uuid"
		case "ipv4":
			r.format = "ipv4"
		case "ipv6":
			r.format = "ipv6"
		case "hostname", "hostname_rfc1123":
			r.format = "hostname"
		case "alpha":
			r.pattern = "^[a-zA-Z]*$"
		case "alphanum":
			r.pattern = "^[a-zA-Z0-9]*$"
		}
	}
	return r
}

// splitRules splits a validate tag at its commas; a comma escaped as 0x2C
// stays in its rule.
func splitRules(tag string) []string {
	if tag == "" {
		return nil
	}
	return strings.Split(tag, ",")
}

// splitOneOf splits oneof's argument at spaces; 'single quoted' values may
// hold spaces.
func splitOneOf(arg string) []string {
	var out []string
	for arg = strings.TrimSpace(arg); arg != ""; arg = strings.TrimSpace(arg) {
		if arg[0] == '\'' {
			if end := strings.IndexByte(arg[1:], '\''); end >= 0 {
				out = append(out, arg[1:end+1])
				arg = arg[end+2:]
				continue
			}
		}
		v, rest, _ := strings.Cut(arg, " ")
		out = append(out, v)
		arg = rest
	}
	return out
}
