package nexo

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

// UnknownRoute is the route of a connection whose request matched no
// route pattern, in a Snapshot.
const UnknownRoute = "unknown"

// MaxSnapshotTopics caps the topics listed in a Snapshot; TopicCount still
// tells how many there are.
const MaxSnapshotTopics = 1000

// Snapshot is what an App holds at one instant, for operators: connections
// per route, the broker's topics and the presence of chosen topics. It is a
// plain value, encoded as JSON by IntrospectHandler.
type Snapshot struct {
	Time     time.Time `json:"time"`
	Draining bool      `json:"draining"`
	// Connections counts the accepted connections; Pending those still
	// before their handshake (in middleware).
	Connections int `json:"connections"`
	Pending     int `json:"pending"`
	// Routes lists the accepted connections by route pattern, most first.
	Routes []RouteSnapshot `json:"routes"`
	// Stats holds the WebSocket server's counters since start.
	Stats ws.ServerStats `json:"stats"`
	// Broker is the Go type of the broker, e.g. "*channels.MemoryBroker".
	Broker string `json:"broker"`
	// TopicCount is the number of topics with local subscribers, or -1
	// when the broker does not tell (it has no Topics method).
	TopicCount int `json:"topic_count"`
	// Topics lists up to MaxSnapshotTopics of them, most subscribers first.
	Topics []TopicSnapshot `json:"topics,omitempty"`
	// Presence holds the presence of the topics asked for.
	Presence []PresenceSnapshot `json:"presence,omitempty"`
	// Groups lists the groups of the registries given with WithRegistry,
	// with their members on this instance and their history length: up
	// to MaxSnapshotGroups of them, largest first; GroupCount tells how
	// many there are.
	Groups     []channels.GroupInfo `json:"groups,omitempty"`
	GroupCount int                  `json:"group_count,omitempty"`
}

// RouteSnapshot is the number of connections open on a route pattern.
type RouteSnapshot struct {
	Route       string `json:"route"`
	Connections int    `json:"connections"`
}

// TopicSnapshot is a topic with local subscribers. Subscribers is -1 when
// the broker does not count them (it has no Subscribers(topic) int method).
type TopicSnapshot struct {
	Topic       string `json:"topic"`
	Subscribers int    `json:"subscribers"`
}

// PresenceSnapshot is the presence of one topic on every instance: Members
// is the number of entries and Users the distinct user IDs among them.
// Error is set when the broker could not list it.
type PresenceSnapshot struct {
	Topic   string `json:"topic"`
	Members int    `json:"members"`
	Users   int    `json:"users"`
	Error   string `json:"error,omitempty"`
}

// Optional broker methods read by Introspect; the in-process broker has
// both, a decorator is looked through with Unwrap() channels.Broker.
type (
	topicLister       interface{ Topics() []string }
	subscriberCounter interface{ Subscribers(topic string) int }
)

// Introspect returns a Snapshot of the App: its connections by route
// pattern, its broker's topics with their subscriber counts when the broker
// tells them, the groups of the registries given with WithRegistry, and
// the presence of the given topics when the broker keeps
// presence (a channels.PresenceBroker). ctx bounds the presence look-ups.
func (a *App) Introspect(ctx context.Context, presenceTopics ...string) Snapshot {
	s := Snapshot{
		Time:       time.Now().UTC(),
		Draining:   a.ws.Draining(),
		Stats:      a.ws.Stats(),
		TopicCount: -1,
		Routes:     []RouteSnapshot{},
	}
	s.Groups, s.GroupCount = a.groupsSnapshot()
	byRoute := make(map[string]int)
	for _, c := range a.ws.Conns() {
		if !c.Accepted() {
			s.Pending++
			continue
		}
		s.Connections++
		route := UnknownRoute
		if r := c.Request(); r != nil && r.Pattern != "" {
			route = r.Pattern
		}
		byRoute[route]++
	}
	for route, n := range byRoute {
		s.Routes = append(s.Routes, RouteSnapshot{Route: route, Connections: n})
	}
	slices.SortFunc(s.Routes, func(x, y RouteSnapshot) int {
		return cmp.Or(cmp.Compare(y.Connections, x.Connections), cmp.Compare(x.Route, y.Route))
	})
	if a.broker == nil {
		return s
	}
	s.Broker = brokerName(a.broker)
	if tl, ok := brokerAs[topicLister](a.broker); ok {
		topics := tl.Topics()
		s.TopicCount = len(topics)
		sc, counted := brokerAs[subscriberCounter](a.broker)
		s.Topics = make([]TopicSnapshot, 0, len(topics))
		for _, t := range topics {
			n := -1
			if counted {
				n = sc.Subscribers(t)
			}
			s.Topics = append(s.Topics, TopicSnapshot{Topic: t, Subscribers: n})
		}
		slices.SortFunc(s.Topics, func(x, y TopicSnapshot) int {
			return cmp.Or(cmp.Compare(y.Subscribers, x.Subscribers), cmp.Compare(x.Topic, y.Topic))
		})
		if len(s.Topics) > MaxSnapshotTopics {
			s.Topics = s.Topics[:MaxSnapshotTopics]
		}
	}
	if len(presenceTopics) == 0 {
		return s
	}
	pb, ok := brokerAs[channels.PresenceBroker](a.broker)
	for _, t := range presenceTopics {
		ps := PresenceSnapshot{Topic: t}
		if !ok {
			ps.Error = channels.ErrNoPresence.Error()
			s.Presence = append(s.Presence, ps)
			continue
		}
		entries, err := pb.Presence().List(ctx, t)
		if err != nil {
			ps.Error = err.Error()
		}
		users := make(map[string]struct{}, len(entries))
		for _, e := range entries {
			users[e.UserID] = struct{}{}
		}
		ps.Members, ps.Users = len(entries), len(users)
		s.Presence = append(s.Presence, ps)
	}
	return s
}

// IntrospectHandler returns a handler that answers every request with the
// App's Snapshot as JSON, including the presence of presenceTopics.
//
// It tells anyone who can reach it the App's routes, topic names and
// audience: mount it only behind authentication, or on an internal
// listener, never on the public routes as is:
//
//	admin := nexo.NewRouter()
//	admin.Use(requireAdmin)
//	admin.Handle("/introspect", app.IntrospectHandler("room:lobby"))
//	app.Mount("/admin", admin)
func (a *App) IntrospectHandler(presenceTopics ...string) http.Handler {
	topics := slices.Clone(presenceTopics)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), ReadyTimeout)
		defer cancel()
		s := a.Introspect(ctx, topics...)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(s)
	})
}

// brokerName names the innermost broker of a decorator chain by its type.
func brokerName(b channels.Broker) string {
	for range 16 {
		u, ok := b.(interface{ Unwrap() channels.Broker })
		if !ok {
			break
		}
		inner := u.Unwrap()
		if inner == nil {
			break
		}
		b = inner
	}
	return fmt.Sprintf("%T", b)
}
