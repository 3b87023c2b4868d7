package asyncapi_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/asyncapi"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/internal/jscheck"
	"github.com/nexogo/nexo/ws"
)

type Base struct {
	ID string `json:"id" validate:"required,uuid"`
}

type signup struct {
	Base
	Email   string          `json:"email" validate:"required,email"`
	Site    string          `json:"site,omitempty" validate:"omitempty,url"`
	Name    string          `json:"name" validate:"required,min=2,max=32,alphanum"`
	Code    string          `json:"code" validate:"len=6"`
	Age     int             `json:"age" validate:"gte=18,lt=130"`
	Plan    string          `json:"plan" validate:"oneof=free pro 'big team'"`
	Level   int             `json:"level" validate:"oneof=1 2 3"`
	Tags    []string        `json:"tags" validate:"max=5,dive,min=1"`
	Meta    map[string]int  `json:"meta,omitempty"`
	Avatar  []byte          `json:"avatar,omitempty"`
	At      time.Time       `json:"at"`
	Parent  *Base           `json:"parent,omitempty"`
	Extra   json.RawMessage `json:"extra,omitempty"`
	Any     any             `json:"any"`
	Count   int64           `json:"count,string"`
	Skip    string          `json:"-"`
	private string
	Labels  map[string]string `json:"labels" validate:"min=1"`
}

type welcome struct {
	User  Base `json:"user"`
	Count uint `json:"count"`
}

// testApp is an App with a described route under a mount and a plain one.
func testApp(t *testing.T) *nexo.App {
	app := nexo.New()
	t.Cleanup(func() { app.Shutdown(context.Background()) })
	r := channels.NewEventRouter()
	channels.Handle(r, "signup", func(ctx context.Context, c *ws.Conn, in signup) (welcome, error) { return welcome{}, nil })
	channels.On(r, "echo", func(c *ws.Conn, in json.RawMessage) (any, error) { return in, nil })
	channels.Handle(r, "ping", func(ctx context.Context, c *ws.Conn, _ struct{}) (string, error) { return "pong", nil })
	channels.DeclarePush[welcome](r, "welcome")
	channels.DeclarePush[[]Base](r, "signup")
	sub := nexo.NewRouter()
	sub.WebSocketHandler("/rooms/{room}/{id:[0-9]+}", r)
	app.Mount("/v1", sub)
	app.WebSocketRoute("/plain", func(c *ws.Conn) error { return nil })
	return app
}

// The validator tags become JSON Schema keywords.
func TestSchemaFromValidatorTags(t *testing.T) {
	b, err := asyncapi.Generate(testApp(t).WebSocketRoutes(), asyncapi.Info{Title: "t"})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var s struct {
		Required   []string                  `json:"required"`
		Properties map[string]map[string]any `json:"properties"`
	}
	if err := json.Unmarshal(doc.Components.Schemas["Signup"], &s); err != nil {
		t.Fatalf("Signup: %v in %s", err, b)
	}
	if want := []string{"email", "name", "id"}; !reflect.DeepEqual(s.Required, want) {
		t.Errorf("required = %v, want %v", s.Required, want)
	}
	for name, want := range map[string]string{
		"id":     `{"format":"uuid","minLength":1,"type":"string"}`,
		"email":  `{"format":"email","minLength":1,"type":"string"}`,
		"site":   `{"format":"uri","type":"string"}`,
		"name":   `{"maxLength":32,"minLength":2,"pattern":"^[a-zA-Z0-9]*$","type":"string"}`,
		"code":   `{"maxLength":6,"minLength":6,"type":"string"}`,
		"age":    `{"exclusiveMaximum":130,"minimum":18,"type":"integer"}`,
		"plan":   `{"enum":["free","pro","big team"],"type":"string"}`,
		"level":  `{"enum":[1,2,3],"type":"integer"}`,
		"tags":   `{"items":{"type":"string"},"maxItems":5,"type":"array"}`,
		"meta":   `{"additionalProperties":{"type":"integer"},"type":"object"}`,
		"avatar": `{"contentEncoding":"base64","type":"string"}`,
		"at":     `{"format":"date-time","type":"string"}`,
		"parent": `{"anyOf":[{"$ref":"#/components/schemas/Base"},{"type":"null"}]}`,
		"extra":  `{}`,
		"any":    `{}`,
		"count":  `{"type":"string"}`,
		"labels": `{"additionalProperties":{"type":"string"},"minProperties":1,"type":"object"}`,
	} {
		got, _ := json.Marshal(s.Properties[name])
		if string(got) != want {
			t.Errorf("%s: %s, want %s", name, got, want)
		}
	}
	for _, gone := range []string{"Skip", "-", "private", "Base"} {
		if _, ok := s.Properties[gone]; ok {
			t.Errorf("property %q listed", gone)
		}
	}
}

// The document of an App validates against the official AsyncAPI 3.0
// schema and is read by the AsyncAPI parser, which finds every route,
// parameter, operation and reply.
func TestGeneratedDocumentIsValidAsyncAPI(t *testing.T) {
	b, err := asyncapi.Generate(testApp(t).WebSocketRoutes(), asyncapi.Info{
		Title: "test", Version: "1.2.3",
		Servers: map[string]asyncapi.Server{"local": {Host: "localhost:8080", Protocol: "ws"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "asyncapi.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out := jscheck.ValidateAsyncAPI(t, path)
	for _, want := range []string{
		"channel /plain params= \n",
		"channel /v1/rooms/{room}/{id} params=id,room receive echo -> echo reply|error; receive ping -> ping reply|error; receive signup -> signup reply|error; send signup push; send welcome push",
		"valid",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("parser output lacks %q:\n%s", want, out)
		}
	}
}

// Generating twice gives the same bytes, so that committed documents do
// not drift by themselves.
func TestGenerateIsStable(t *testing.T) {
	app := testApp(t)
	a, _ := asyncapi.Generate(app.WebSocketRoutes(), asyncapi.Info{})
	b, _ := asyncapi.Generate(app.WebSocketRoutes(), asyncapi.Info{})
	if string(a) != string(b) {
		t.Fatal("two runs differ")
	}
}

// The check refuses a document that breaks the AsyncAPI schema (an
// operation without its action), so that its pass means something.
func TestValidatorRefusesInvalidDocument(t *testing.T) {
	b, err := asyncapi.Generate(testApp(t).WebSocketRoutes(), asyncapi.Info{})
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	json.Unmarshal(b, &doc)
	for _, op := range doc["operations"].(map[string]any) {
		delete(op.(map[string]any), "action")
	}
	b, _ = json.Marshal(doc)
	path := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(path, b, 0o644)
	if out, err := jscheck.CheckAsyncAPI(t, path); err == nil {
		t.Fatalf("accepted a document without actions:\n%s", out)
	}
}
