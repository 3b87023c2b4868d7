package channels

import (
	"cmp"
	"slices"
	"time"

	"github.com/nexogo/nexo/ws"
)

// The administration of a Registry's groups (Nexios's ChannelBox:
// show_groups, show_history, flush_history, close_all_connections), for
// operators and admin endpoints. nexo.WithRegistry shows ListGroups,
// read-only, in the App's introspection.

// GroupClosedReason is the close reason of CloseGroup when none is given.
// Its default code is 1000 (ws.CloseNormal): the server ended the
// conversation on purpose, and the nexo client does not reconnect after
// it. Give 1001 (ws.CloseGoingAway) to have clients come back, or 4403
// (ws.CloseForbidden) when they are put out.
const GroupClosedReason = "group closed"

// WithGroupHistory keeps the history of every send to the registry's
// groups whose name matches one of the policies (the first that matches
// applies, as for topics; see HistoryPolicy), unless a send says
// NoHistory. A send with SaveHistory to a group no policy matches is kept
// too, bounded by DefaultHistoryCount.
//
// Histories are kept by group name, in memory, and outlive their group:
// give names a client can choose a MaxAge, so that the janitor (Sweep)
// forgets rooms nobody uses, or flush them (FlushHistory).
func WithGroupHistory(policies ...HistoryPolicy) RegistryOption {
	return func(c *registryConfig) { c.history = append(c.history, policies...) }
}

// GroupInfo describes one group of a Registry: its name, how many members
// it has on this instance, and how many messages its history holds. A
// GroupInfo is a plain value.
type GroupInfo struct {
	Name    string `json:"name"`
	Members int    `json:"members"`
	History int    `json:"history"`
}

// ListGroups returns every group of the registry with its size, sorted by
// name (Nexios's show_groups): the groups with members, and the names
// whose history holds messages while nobody is in them (Members 0).
func (r *Registry) ListGroups() []GroupInfo {
	now := time.Now()
	r.mu.Lock()
	infos := make(map[string]*GroupInfo, len(r.groups)+len(r.histories))
	groups := make([]*Group, 0, len(r.groups))
	for name, g := range r.groups {
		infos[name] = &GroupInfo{Name: name}
		groups = append(groups, g)
	}
	hists := make(map[string]*groupHistory, len(r.histories))
	for name, h := range r.histories {
		hists[name] = h
	}
	r.mu.Unlock()
	for _, g := range groups {
		infos[g.name].Members = g.Len()
	}
	for name, h := range hists {
		n := h.len(now)
		if i, ok := infos[name]; ok {
			i.History = n
		} else if n > 0 {
			infos[name] = &GroupInfo{Name: name, History: n}
		}
	}
	out := make([]GroupInfo, 0, len(infos))
	for _, i := range infos {
		out = append(out, *i)
	}
	slices.SortFunc(out, func(a, b GroupInfo) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// History returns the history of the group called name, oldest first
// (Nexios's show_history); nil when it keeps none.
func (r *Registry) History(name string) []GroupMessage {
	h := r.historyOf(name, HistoryPolicy{}, false)
	if h == nil {
		return nil
	}
	return messages(h.snapshot(time.Now()))
}

// FlushHistory drops the history of the group called name (Nexios's
// flush_history) and returns how many messages it held. Later sends are
// kept again as before; AddWithHistory replays none of the flushed ones.
func (r *Registry) FlushHistory(name string) int {
	h := r.historyOf(name, HistoryPolicy{}, false)
	if h == nil {
		return 0
	}
	return h.flush()
}

// CloseGroup closes the connection of every member of the group called
// name with code and reason, and returns how many it closed: a code of 0
// means 1000 (ws.CloseNormal) and an empty reason GroupClosedReason. The
// members leave the group (and every other) as their connections start
// to close; the group's history stays. Connections are closed as by
// ws.Conn.Close: the close frame is queued, never waited for.
func (r *Registry) CloseGroup(name string, code int, reason string) int {
	if code == 0 {
		code = ws.CloseNormal
	}
	if reason == "" {
		reason = GroupClosedReason
	}
	g := r.lookup(name)
	if g == nil {
		return 0
	}
	n := 0
	for _, ch := range g.Members() {
		if ch.Close(code, reason) == nil {
			n++
		}
	}
	return n
}

// historyOf returns the history of the group called name, made with
// policy p when create is set and there is none.
func (r *Registry) historyOf(name string, p HistoryPolicy, create bool) *groupHistory {
	r.mu.Lock()
	defer r.mu.Unlock()
	h, ok := r.histories[name]
	if !ok && create {
		h = &groupHistory{policy: p}
		r.histories[name] = h
	}
	return h
}

// sweepHistories forgets the histories that hold nothing (flushed, or
// emptied by their MaxAge) of names with no group.
func (r *Registry) sweepHistories() {
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	for name, h := range r.histories {
		if _, ok := r.groups[name]; !ok && h.len(now) == 0 {
			delete(r.histories, name)
		}
	}
}
