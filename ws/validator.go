package ws

import (
	"reflect"
	"strings"

	"github.com/go-playground/validator/v10"
)

// NewValidator returns the validator a Server uses by default: validator
// v10 with WithRequiredStructEnabled, naming fields by their JSON names
// (so that ValidationError.Fields and the error frame speak the client's
// names). Register custom tags, aliases or translations on it and give it
// to WithValidator (nexo.WithValidator in an App).
func NewValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(jsonFieldName)
	return v
}

// jsonFieldName is the JSON name of a field: its json tag's name, its Go
// name without one, "" (skipped) for "-".
func jsonFieldName(f reflect.StructField) string {
	if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name == "" {
		return f.Name
	}
	return jsonName(f)
}

// validator returns the Validator of a Server's settings, NewValidator()
// when none was given. It is made once per Server: a validator caches
// what it learns of each struct type.
func (c Config) validator() *validator.Validate {
	if c.Validator != nil {
		return c.Validator
	}
	return NewValidator()
}

// WithValidator makes the Server check decoded messages with v instead
// of NewValidator(): a validator with custom tags
// (v.RegisterValidation), struct-level rules or aliases. Start from
// NewValidator() to keep the JSON field names in ValidationError.Fields;
// a validator.New() of your own reports Go field names unless it
// registers a tag name function. v must be fully set up before the Server
// serves: validator v10 is safe for concurrent validation, not for
// registration while validating. It is read from the Server's settings
// (NewServer, nexo.WithWS), not per route.
func WithValidator(v *validator.Validate) Option {
	return func(c *Config) { c.Validator = v }
}
