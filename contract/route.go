package contract

import "strings"

// Route is a WebSocket route of an App: its full pattern (chi syntax,
// /rooms/{id}), the names of its path parameters, and its contract when
// its handler describes one (nil otherwise).
type Route struct {
	Pattern     string
	Params      []string
	Description *Description
}

// Params returns the names of the path parameters of a chi pattern, in
// order: "/rooms/{id}/{rest:[a-z]+}" has id and rest. A trailing "*" is
// not named.
func Params(pattern string) []string {
	var names []string
	for {
		i := strings.IndexByte(pattern, '{')
		if i < 0 {
			return names
		}
		pattern = pattern[i+1:]
		depth, j := 1, 0
		for ; j < len(pattern) && depth > 0; j++ {
			switch pattern[j] {
			case '{':
				depth++
			case '}':
				depth--
			}
		}
		name := pattern[:max(j-1, 0)]
		if k := strings.IndexByte(name, ':'); k >= 0 {
			name = name[:k]
		}
		names = append(names, name)
		pattern = pattern[j:]
	}
}
