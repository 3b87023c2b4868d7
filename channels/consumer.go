package channels

import "errors"

// ErrNoRegistry is returned by a Channel's group methods (JoinGroup,
// LeaveGroup, SendGroup) when no Registry holds the channel: set
// Events.Registry, or add the channel with Registry.Add first.
var ErrNoRegistry = errors.New("channels: the channel is in no registry")

// Nexios's consumers join, leave and broadcast to groups by name with
// methods of their own (join_group, leave_group, broadcast). A Channel does
// the same through the Registry that holds it: JoinGroup(name) is
// reg.Group(name).Add(ch), LeaveGroup(name) its Remove, SendGroup(name, v)
// its Send. Groups are of this process, as Registry's are; a topic
// (Join) reaches other instances.

// JoinGroup puts the channel in its registry's group called name, creating
// the group on first use; joining twice has no effect. The channel leaves
// the group by LeaveGroup or when its connection ends. The registry is
// the one that holds the channel (the first that added it, when several
// do); without one JoinGroup returns ErrNoRegistry. A channel that has
// ended, expired or waits for its user is refused with the error its
// sends would return (ws.ErrClosed, ErrExpired, ErrUnauthenticated).
func (ch *Channel) JoinGroup(name string) error {
	r, err := ch.registry()
	if err != nil {
		return err
	}
	if !r.Group(name).Add(ch) {
		return ch.refused()
	}
	return nil
}

// LeaveGroup takes the channel out of its registry's group called name. It
// is not an error when the channel is not a member; the errors are those
// of JoinGroup.
func (ch *Channel) LeaveGroup(name string) error {
	r, err := ch.registry()
	if err != nil {
		return err
	}
	if g := r.lookup(name); g != nil {
		g.Remove(ch)
	}
	return nil
}

// SendGroup sends v to every member of its registry's group called name,
// this channel too when it is a member, as Group.Send does (Nexios's
// consumer broadcast), and returns how many members it reached. A group
// that does not exist reaches no one, and is not created. opts are
// Group.Send's (SaveHistory, NoHistory, Compress). The errors are
// Group.Send's and JoinGroup's.
func (ch *Channel) SendGroup(name string, v any, opts ...PublishOption) (int, error) {
	r, err := ch.registry()
	if err != nil {
		return 0, err
	}
	g := r.lookup(name)
	if g == nil {
		return 0, nil
	}
	return g.Send(v, opts...)
}

// registry returns the registry that holds the channel, or why the
// channel cannot act on groups.
func (ch *Channel) registry() (*Registry, error) {
	if err := ch.usable(); err != nil {
		return nil, err
	}
	if ch.ended() {
		return nil, ch.endErr()
	}
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if len(ch.regs) == 0 {
		return nil, ErrNoRegistry
	}
	return ch.regs[0], nil
}

// refused is the error of a channel that a group would not add.
func (ch *Channel) refused() error {
	if err := ch.usable(); err != nil {
		return err
	}
	return ch.endErr()
}

// lookup returns the registry's group called name, or nil; unlike Group
// it never creates one, so names from clients cost nothing.
func (r *Registry) lookup(name string) *Group {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.groups[name]
}
