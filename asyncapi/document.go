package asyncapi

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/nexogo/nexo/contract"
	"github.com/nexogo/nexo/ws"
)

// Version is the AsyncAPI version of the documents Generate writes.
const Version = "3.0.0"

// Info is what a document says about the application.
type Info struct {
	Title       string // default "nexo application"
	Version     string // the application's version, default "0.0.0"
	Description string // markdown; the close codes are appended
	// Servers, when set, lists where the application listens, by name.
	Servers map[string]Server
}

// Server is a place the application listens on.
type Server struct {
	Host     string // host and port, e.g. "chat.example.com"
	Protocol string // "ws" or "wss" (default "wss")
}

// CloseCodes are the close codes a client of a nexo application may see,
// with their meaning (shared/DESIGN.md), written into every document.
var closeCodes = []struct {
	Code int
	When string
}{
	{ws.CloseNormal, "normal close"},
	{ws.CloseGoingAway, "server shutting down (reconnect elsewhere)"},
	{ws.CloseUnsupportedData, "unsupported data (e.g. binary where only text is accepted)"},
	{ws.CloseInvalidPayload, "invalid payload (bad UTF-8 in text)"},
	{ws.ClosePolicyViolation, "policy violation"},
	{ws.CloseMessageTooBig, "message too big"},
	{ws.CloseInternalError, "handler error or panic"},
	{ws.CloseTryAgainLater, "try again later: slow consumer, connection limit, backend unavailable"},
	{ws.CloseHeartbeat, "heartbeat timeout"},
	{ws.CloseUnauthorized, "unauthorized: no or invalid credentials (do not retry as is)"},
	{ws.CloseForbidden, "forbidden: origin or user not allowed (do not retry)"},
	{ws.CloseRateLimited, "rate limited"},
}

// errorCodes are the values of an error frame's "error" member.
var errorCodes = []string{"bad_request", "invalid_json", "message_type", "validation", "unknown_event", "handler", "rate_limited"}

// Generate returns the AsyncAPI 3.0 document (JSON, indented, stable
// across runs) of routes, as App.WebSocketRoutes lists them.
func Generate(routes []contract.Route, info Info) ([]byte, error) {
	b, err := json.MarshalIndent(document(routes, info), "", "  ")
	if err != nil {
		return nil, fmt.Errorf("asyncapi: %w", err)
	}
	return append(b, '\n'), nil
}

// document builds the document as JSON values.
func document(routes []contract.Route, info Info) map[string]any {
	s := newSchemas(newNamer(), "#/components/schemas/")
	channels, ops := map[string]any{}, map[string]any{}
	ids := map[string]bool{}
	for _, rt := range routes {
		id := uniqueID(channelID(rt.Pattern), ids)
		ch := map[string]any{"address": address(rt.Pattern)}
		if len(rt.Params) > 0 {
			params := map[string]any{}
			for _, p := range rt.Params {
				params[p] = map[string]any{"description": "path parameter " + p}
			}
			ch["parameters"] = params
		}
		channels[id] = ch
		if rt.Description == nil {
			ch["description"] = "WebSocket route " + rt.Pattern + " (its handler declares no contract)."
			continue
		}
		ch["description"] = "WebSocket route " + rt.Pattern + ": event frames {\"event\",\"data\",\"ref\"}, answered by a reply frame when they carry a ref, or an error frame."
		msgs := map[string]any{"error": map[string]any{"$ref": "#/components/messages/error"}}
		chRef := map[string]any{"$ref": "#/channels/" + id}
		msgRef := func(key string) map[string]any {
			return map[string]any{"$ref": "#/channels/" + id + "/messages/" + key}
		}
		for _, e := range rt.Description.Events {
			req, rep := e.Name+".request", e.Name+".reply"
			msgs[req] = message(e.Name, "The client sends event "+e.Name+".", eventFrame(e.Name, s.of(e.Data), true))
			msgs[rep] = message(e.Name+" reply", "The reply to event "+e.Name+" that carried a ref.", replyFrame(s.of(e.Reply)))
			ops[uniqueID(id+".receive."+e.Name, ids)] = map[string]any{
				"action":   "receive",
				"channel":  chRef,
				"summary":  "Event " + e.Name,
				"messages": []any{msgRef(req)},
				"reply": map[string]any{
					"channel":  chRef,
					"messages": []any{msgRef(rep), msgRef("error")},
				},
			}
		}
		for _, p := range rt.Description.Pushes {
			key := p.Name + ".push"
			msgs[key] = message(p.Name+" push", "The server pushes event "+p.Name+".", eventFrame(p.Name, s.of(p.Data), false))
			ops[uniqueID(id+".send."+p.Name, ids)] = map[string]any{
				"action":   "send",
				"channel":  chRef,
				"summary":  "Push " + p.Name,
				"messages": []any{msgRef(key)},
			}
		}
		ch["messages"] = msgs
	}
	s.defs["ErrorFrame"] = errorFrameSchema()
	doc := map[string]any{
		"asyncapi":           Version,
		"info":               infoObject(info),
		"defaultContentType": "application/json",
		"channels":           channels,
		"operations":         ops,
		"components": map[string]any{
			"schemas": s.defs,
			"messages": map[string]any{
				"error": message("error", "An error frame: bad input, an unknown event or a failed handler. It carries the ref of the frame it answers; the connection stays open.", map[string]any{"$ref": "#/components/schemas/ErrorFrame"}),
			},
		},
		"x-nexo-close-codes": closeCodeMap(),
	}
	if len(info.Servers) > 0 {
		servers := map[string]any{}
		for name, sv := range info.Servers {
			proto := sv.Protocol
			if proto == "" {
				proto = "wss"
			}
			servers[name] = map[string]any{"host": sv.Host, "protocol": proto}
		}
		doc["servers"] = servers
	}
	return doc
}

func infoObject(info Info) map[string]any {
	title, version := info.Title, info.Version
	if title == "" {
		title = "nexo application"
	}
	if version == "" {
		version = "0.0.0"
	}
	var d strings.Builder
	if info.Description != "" {
		d.WriteString(info.Description + "\n\n")
	}
	d.WriteString("## Close codes\n\n| code | when |\n|---|---|\n")
	for _, c := range closeCodes {
		fmt.Fprintf(&d, "| %d | %s |\n", c.Code, c.When)
	}
	return map[string]any{"title": title, "version": version, "description": d.String()}
}

func closeCodeMap() map[string]any {
	m := map[string]any{}
	for _, c := range closeCodes {
		m[strconv.Itoa(c.Code)] = c.When
	}
	return m
}

func message(name, summary string, payload any) map[string]any {
	return map[string]any{"name": name, "summary": summary, "contentType": "application/json", "payload": payload}
}

// refSchema is a frame's ref: any JSON value, echoed in the answer.
func refSchema() schemaObject {
	return schemaObject{"description": "any JSON value (usually a number), echoed in the reply or error frame"}
}

// eventFrame is {"event":name,"data":...,"ref":...}; pushes have no ref.
func eventFrame(name string, data schemaObject, withRef bool) schemaObject {
	props := schemaObject{"event": schemaObject{"type": "string", "const": name}, "data": data}
	if withRef {
		props["ref"] = refSchema()
	}
	return schemaObject{"type": "object", "required": []string{"event"}, "properties": props}
}

// replyFrame is {"type":"reply","ref":...,"data":...}.
func replyFrame(data schemaObject) schemaObject {
	return schemaObject{
		"type":     "object",
		"required": []string{"type", "ref"},
		"properties": schemaObject{
			"type": schemaObject{"type": "string", "const": "reply"},
			"ref":  refSchema(),
			"data": data,
		},
	}
}

// errorFrameSchema is ws.ErrorFrame's.
func errorFrameSchema() schemaObject {
	codes := make([]any, len(errorCodes))
	for i, c := range errorCodes {
		codes[i] = c
	}
	return schemaObject{
		"type":     "object",
		"required": []string{"type", "error", "message"},
		"properties": schemaObject{
			"type":    schemaObject{"type": "string", "const": "error"},
			"error":   schemaObject{"type": "string", "examples": codes, "description": "what went wrong; applications may add codes of their own"},
			"message": schemaObject{"type": "string"},
			"fields":  schemaObject{"type": "object", "additionalProperties": schemaObject{"type": "string"}, "description": "the invalid input fields and the rule each broke"},
			"ref":     refSchema(),
		},
	}
}

var nonID = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// channelID is a component key for a pattern: /chat/{room} is chat_room.
func channelID(pattern string) string {
	id := strings.Trim(nonID.ReplaceAllString(address(pattern), "_"), "_")
	if id == "" {
		return "root"
	}
	return id
}

// uniqueID returns id, suffixed when already used.
func uniqueID(id string, used map[string]bool) string {
	out := id
	for i := 2; used[out]; i++ {
		out = id + "_" + strconv.Itoa(i)
	}
	used[out] = true
	return out
}

var paramRegexp = regexp.MustCompile(`\{([^}:]+):[^}]*\}`)

// address is the AsyncAPI address of a chi pattern: {id:[0-9]+} is {id}.
func address(pattern string) string {
	return paramRegexp.ReplaceAllString(pattern, "{$1}")
}
