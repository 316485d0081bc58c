package engine

import "strings"

// placeholder is one ${name} in a template value.
type placeholder struct {
	name  string
	start int // byte offset of "${" in the value
}

// placeholders returns the ${name} references of s in order. A "${"
// without a closing brace ends the scan; it stays literal text.
func placeholders(s string) []placeholder {
	var out []placeholder
	for off := 0; ; {
		i := strings.Index(s[off:], "${")
		if i < 0 {
			return out
		}
		j := strings.IndexByte(s[off+i+2:], '}')
		if j < 0 {
			return out
		}
		out = append(out, placeholder{name: s[off+i+2 : off+i+2+j], start: off + i})
		off += i + 2 + j + 1
	}
}

// ExpandTemplate replaces every ${name} in s by lookup(name): the syntax
// of parameters marked Param.Template (LogAction's Message). A "${"
// without a closing brace is kept as it is.
func ExpandTemplate(s string, lookup func(name string) string) string {
	refs := placeholders(s)
	if len(refs) == 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for _, r := range refs {
		b.WriteString(s[last:r.start])
		b.WriteString(lookup(r.name))
		last = r.start + len(r.name) + 3
	}
	b.WriteString(s[last:])
	return b.String()
}
