package nexo

import (
	"cmp"
	"slices"

	"github.com/nexogo/nexo/channels"
)

// MaxSnapshotGroups caps the groups listed in a Snapshot; GroupCount still
// tells how many there are.
const MaxSnapshotGroups = 1000

// WithRegistry shows reg's groups in the App's Snapshot (Introspect and
// IntrospectHandler): each group's name, members and history length, as
// reg.ListGroups returns them. Introspection only reads: flushing a
// history or closing a group is reg's FlushHistory and CloseGroup, for the
// application's own admin endpoints. Give it once per registry.
func WithRegistry(reg *channels.Registry) Option {
	return func(c *config) { c.registries = append(c.registries, reg) }
}

// groupsSnapshot lists the groups of the App's registries, most members
// first, then by history length and name, and how many there are.
func (a *App) groupsSnapshot() ([]channels.GroupInfo, int) {
	var gs []channels.GroupInfo
	for _, r := range a.cfg.registries {
		gs = append(gs, r.ListGroups()...)
	}
	slices.SortFunc(gs, func(x, y channels.GroupInfo) int {
		return cmp.Or(cmp.Compare(y.Members, x.Members), cmp.Compare(y.History, x.History), cmp.Compare(x.Name, y.Name))
	})
	n := len(gs)
	if n > MaxSnapshotGroups {
		gs = gs[:MaxSnapshotGroups]
	}
	return gs, n
}
