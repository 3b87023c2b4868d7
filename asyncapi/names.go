package asyncapi

import (
	"path"
	"reflect"
	"strconv"
	"strings"
	"unicode"
)

// namer gives every named struct type a unique name, usable both as a
// component key and as a TypeScript identifier.
type namer struct {
	names map[reflect.Type]string
	taken map[string]reflect.Type
}

func newNamer() *namer {
	return &namer{names: map[reflect.Type]string{}, taken: map[string]reflect.Type{}}
}

// name returns t's name: its Go name (type arguments spelled out,
// exported: chatMessage is ChatMessage), prefixed by its package's name
// when another type has it.
func (n *namer) name(t reflect.Type) string {
	if s, ok := n.names[t]; ok {
		return s
	}
	base := identifier(t.Name())
	s := base
	if other, ok := n.taken[s]; ok && other != t {
		prefixed := identifier(path.Base(t.PkgPath())) + base
		s = prefixed
		for i := 2; n.taken[s] != nil; i++ {
			s = prefixed + "_" + strconv.Itoa(i)
		}
	}
	n.names[t], n.taken[s] = s, t
	return s
}

// identifier makes s an exported identifier: letters, digits and _ only,
// first letter upper case.
func identifier(s string) string {
	var b strings.Builder
	upper := true
	for _, r := range s {
		if r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) {
			if upper {
				r = unicode.ToUpper(r)
				upper = false
			}
			b.WriteRune(r)
		} else {
			upper = true
		}
	}
	out := b.String()
	if out == "" || unicode.IsDigit(rune(out[0])) {
		out = "T" + out
	}
	return out
}
