package nexo

import (
	"github.com/go-playground/validator/v10"

	"github.com/nexogo/nexo/ws"
)

// WithValidator makes the App check messages with v, a validator v10 with
// custom tags, struct-level rules, aliases or translations of your own,
// instead of ws.NewValidator(). Every check of `validate:` tags goes
// through it: ws.Decode, Conn.Validate, channels.Events,
// channels.EventRouter and Channel.ReceiveJSON; a failure is the same
// *ws.ValidationError, answered with the same error frame
// ({"type":"error","error":"validation","fields":{...}}). Start from
// ws.NewValidator() to keep the JSON field names, and register everything
// before the App serves. It is WithWS(ws.WithValidator(v)).
func WithValidator(v *validator.Validate) Option {
	return WithWS(ws.WithValidator(v))
}
