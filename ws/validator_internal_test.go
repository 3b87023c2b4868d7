package ws

import (
	"errors"
	"testing"

	"github.com/go-playground/validator/v10"
)

// TestValidationErrorUnwrap: a failed validation wraps validator v10's
// errors, for translations; a ValidationError made by hand wraps nothing.
func TestValidationErrorUnwrap(t *testing.T) {
	type signup struct {
		Name string `json:"name" validate:"required,min=3"`
	}
	err := validateWith(NewValidator(), &signup{Name: "al"})
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) || len(ves) != 1 || ves[0].Field() != "name" || ves[0].Tag() != "min" {
		t.Fatalf("error %v: want validator.ValidationErrors for name min", err)
	}
	if err := (&ValidationError{Fields: map[string]string{"a": "b"}}).Unwrap(); err != nil {
		t.Fatalf("Unwrap of a hand-made ValidationError: %v, want nil", err)
	}
}

// TestWithValidatorDefault: a Server without WithValidator has one of
// its own; with one, that one.
func TestWithValidatorDefault(t *testing.T) {
	if v := NewServer(nil).validate; v == nil {
		t.Fatal("no default validator")
	}
	mine := validator.New()
	if v := NewServer(nil, WithValidator(mine)).validate; v != mine {
		t.Fatal("WithValidator ignored")
	}
}
