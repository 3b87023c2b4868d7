package channels

import "cmp"

// A Registry's groups are named by the application, often after a path
// parameter, so clients decide how many there are: a group that empties
// leaves the registry at once, and the janitor's Sweep reclaims groups
// made by Group but never joined. A *Group handed out earlier stays
// usable after it left (it is "retired"): Add through it puts it back
// under its name, or, when the name was given to a new group meanwhile,
// adds to that one; its other methods act on the registry's group of the
// same name. So every handle of a name reaches the same members, and no
// two groups of one name hold members at once. Lock order: the
// Registry's lock, then the Group's.

// Group returns the registry's group called name, creating it on first
// use. The group leaves the registry when its last member leaves; the
// returned value stays usable (see Group.Add).
func (r *Registry) Group(name string) *Group {
	r.mu.Lock()
	defer r.mu.Unlock()
	g, ok := r.groups[name]
	if !ok {
		g = NewGroup(name)
		g.reg = r
		if r.cfg.groupObs != nil {
			g.Observe(r.cfg.groupObs)
		}
		r.groups[name] = g
	}
	return g
}

// Groups returns the registry's groups, sorted by name.
func (r *Registry) Groups() []*Group {
	return sortedValues(&r.mu, r.groups, func(a, b *Group) int { return cmp.Compare(a.name, b.name) })
}

// RemoveGroup forgets the group called name and reports whether there was
// one. Its members stay members of the *Group value, which no longer
// belongs to the registry; the next Group(name) makes a new, empty group.
func (r *Registry) RemoveGroup(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.groups[name]
	delete(r.groups, name)
	return ok
}

// retire drops g from the registry when it is still the registry's group
// of its name and has no member.
func (r *Registry) retire(g *Group) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.groups[g.name] != g {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.index) > 0 {
		return
	}
	g.retired.Store(true)
	delete(r.groups, g.name)
}

// revive returns the registry's group of g's name for an Add through the
// retired g: the group given that name meanwhile, or else g itself, put
// back.
func (r *Registry) revive(g *Group) *Group {
	r.mu.Lock()
	defer r.mu.Unlock()
	if cur, ok := r.groups[g.name]; ok {
		return cur
	}
	g.mu.Lock()
	g.retired.Store(false)
	g.mu.Unlock()
	r.groups[g.name] = g
	return g
}

// sweepGroups retires the groups that have no member.
func (r *Registry) sweepGroups() {
	for _, g := range r.Groups() {
		if g.Len() == 0 {
			r.retire(g)
		}
	}
}

// successor returns the group that g's methods act on: g itself unless it
// is retired, else the registry's group of its name, or a new empty group
// outside the registry's groups when there is none (reading never creates
// one); that one still reaches the registry's history of the name.
func (g *Group) successor() *Group {
	if !g.retired.Load() {
		return g
	}
	g.reg.mu.Lock()
	cur, ok := g.reg.groups[g.name]
	g.reg.mu.Unlock()
	if !ok {
		return &Group{name: g.name, reg: g.reg}
	}
	return cur
}
