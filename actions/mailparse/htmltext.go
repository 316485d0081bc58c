package mailparse

import (
	"html"
	"strings"
	"unicode"
)

// htmlToText renders HTML as plain text for activities of HTML-only mails:
// tags are dropped (script, style, head and title with their content),
// entities decoded, white space collapsed, and block elements and <br>
// become line breaks.
func htmlToText(s string) string {
	var sb strings.Builder
	skipUntil := ""
	pendingSpace := false
	atLineStart := func() bool {
		str := sb.String()
		return len(str) == 0 || str[len(str)-1] == '\n'
	}
	trailingNewlines := func() int {
		str := sb.String()
		n := 0
		for n < len(str) && str[len(str)-1-n] == '\n' {
			n++
		}
		return n
	}
	ensureNewlines := func(n int) {
		if sb.Len() == 0 {
			return
		}
		for k := trailingNewlines(); k < n; k++ {
			sb.WriteByte('\n')
		}
		pendingSpace = false
	}
	for i := 0; i < len(s); {
		if s[i] == '<' {
			if strings.HasPrefix(s[i:], "<!--") {
				end := strings.Index(s[i+4:], "-->")
				if end < 0 {
					break
				}
				i += 4 + end + 3
				continue
			}
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				break
			}
			tag := s[i+1 : i+end]
			i += end + 1
			closing := strings.HasPrefix(tag, "/")
			name := strings.ToLower(strings.TrimLeft(tag, "/!?"))
			if k := strings.IndexFunc(name, func(r rune) bool { return unicode.IsSpace(r) || r == '/' }); k >= 0 {
				name = name[:k]
			}
			if skipUntil != "" {
				if closing && name == skipUntil {
					skipUntil = ""
				}
				continue
			}
			switch name {
			case "script", "style", "head", "title":
				if !closing && !strings.HasSuffix(tag, "/") {
					skipUntil = name
				}
			case "br":
				sb.WriteByte('\n')
				pendingSpace = false
			case "p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote", "pre", "hr":
				ensureNewlines(2)
			case "div", "tr", "ul", "ol", "dl", "dt", "dd", "section", "article", "header", "footer":
				ensureNewlines(1)
			case "li":
				ensureNewlines(1)
				if !closing {
					sb.WriteString("- ")
				}
			case "td", "th":
				if closing {
					pendingSpace = true
				}
			}
			continue
		}
		j := strings.IndexByte(s[i:], '<')
		if j < 0 {
			j = len(s) - i
		}
		chunk := s[i : i+j]
		i += j
		if skipUntil != "" {
			continue
		}
		for _, r := range html.UnescapeString(chunk) {
			if r == '\u00a0' {
				r = ' '
			} else if unicode.IsSpace(r) {
				pendingSpace = true
				continue
			}
			if pendingSpace && !atLineStart() {
				sb.WriteByte(' ')
			}
			pendingSpace = false
			sb.WriteRune(r)
		}
	}
	lines := strings.Split(sb.String(), "\n")
	for k := range lines {
		lines[k] = strings.TrimRight(lines[k], " \t")
	}
	out := strings.Join(lines, "\n")
	for strings.Contains(out, "\n\n\n") {
		out = strings.ReplaceAll(out, "\n\n\n", "\n\n")
	}
	return strings.TrimSpace(out)
}
