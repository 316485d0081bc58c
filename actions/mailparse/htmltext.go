package mailparse

import (
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// htmlToText renders HTML as plain text for activities of HTML-only mails.
// The document is parsed as a browser would (golang.org/x/net/html), so
// markup inside attribute values, scripts and comments never leaks into the
// text. What is not shown (head, script, style, template, title) is left
// out; entities are decoded; white space collapses outside <pre>; block
// elements and <br> break lines; list items start with "- " or their
// number; table cells are separated by a space; links keep their text.
func htmlToText(s string) string {
	doc, err := html.ParseWithOptions(strings.NewReader(s), html.ParseOptionEnableScripting(false))
	if err != nil {
		// a strings.Reader never fails; keep the text rather than lose it
		return s
	}
	var w textWriter
	w.node(doc)
	return w.result()
}

// hiddenElements hold content a reader never sees.
var hiddenElements = map[atom.Atom]bool{
	atom.Head: true, atom.Script: true, atom.Style: true, atom.Template: true,
	atom.Title: true, atom.Iframe: true,
}

// paragraphElements stand apart by a blank line; blockElements start and
// end on a line of their own.
var (
	paragraphElements = map[atom.Atom]bool{
		atom.P: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true,
		atom.H5: true, atom.H6: true, atom.Table: true, atom.Blockquote: true,
		atom.Pre: true, atom.Hr: true,
	}
	blockElements = map[atom.Atom]bool{
		atom.Div: true, atom.Tr: true, atom.Ul: true, atom.Ol: true, atom.Dl: true,
		atom.Dt: true, atom.Dd: true, atom.Li: true, atom.Section: true,
		atom.Article: true, atom.Header: true, atom.Footer: true, atom.Nav: true,
		atom.Main: true, atom.Aside: true, atom.Address: true, atom.Figure: true,
		atom.Figcaption: true, atom.Form: true, atom.Fieldset: true,
		atom.Caption: true, atom.Center: true, atom.Details: true,
		atom.Summary: true, atom.Tbody: true, atom.Thead: true, atom.Tfoot: true,
	}
)

// textWriter collects the text of a parsed document. Line breaks asked for
// by block elements wait in pendingBreaks until the next text is written,
// so that breaks of nested or empty blocks coalesce instead of adding up.
type textWriter struct {
	sb            strings.Builder
	pendingBreaks int
	pendingSpace  bool
	// lineOpened: a list marker or table cell has just begun a line;
	// block breaks before its first text would tear the line apart.
	lineOpened bool
	inPre      int
	lists      []listLevel
}

// listLevel is one open <ul> or <ol>; next is the number of the next item
// of an ordered list.
type listLevel struct {
	ordered bool
	next    int
}

// node writes n and its children.
func (w *textWriter) node(n *html.Node) {
	switch n.Type {
	case html.TextNode:
		w.text(n.Data)
	case html.ElementNode:
		w.element(n)
	case html.DocumentNode:
		w.children(n)
	}
}

func (w *textWriter) children(n *html.Node) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.node(c)
	}
}

// element writes an element with the breaks its kind asks for.
func (w *textWriter) element(n *html.Node) {
	a := n.DataAtom
	switch {
	case hiddenElements[a]:
	case a == atom.Br:
		w.write("\n")
	case a == atom.Ul || a == atom.Ol:
		w.list(n, a == atom.Ol)
	case a == atom.Li:
		w.item(n)
	case a == atom.Td || a == atom.Th:
		w.cell(n)
	default:
		w.block(n, blockBreaks(a))
	}
}

// blockBreaks is the number of line breaks around an element of kind a.
func blockBreaks(a atom.Atom) int {
	switch {
	case paragraphElements[a]:
		return 2
	case blockElements[a]:
		return 1
	}
	return 0
}

// block writes an element's children between breaks line breaks.
func (w *textWriter) block(n *html.Node, breaks int) {
	if n.DataAtom == atom.Pre {
		w.inPre++
		defer func() { w.inPre-- }()
	}
	w.lineBreaks(breaks)
	w.children(n)
	w.lineBreaks(breaks)
}

// cell writes a table cell on its row's line, a space from the one before.
func (w *textWriter) cell(n *html.Node) {
	w.lineOpened = true
	w.children(n)
	w.lineOpened = false
	w.pendingBreaks = 0
	w.pendingSpace = true
}

// list writes a <ul> or <ol>, nested lists indented under their item.
func (w *textWriter) list(n *html.Node, ordered bool) {
	start := 1
	if v, err := strconv.Atoi(attr(n, "start")); err == nil {
		start = v
	}
	w.lineBreaks(1)
	w.lists = append(w.lists, listLevel{ordered: ordered, next: start})
	w.children(n)
	w.lists = w.lists[:len(w.lists)-1]
	w.lineBreaks(1)
}

// item writes an <li> on a line of its own, after its marker.
func (w *textWriter) item(n *html.Node) {
	w.lineOpened = false
	w.lineBreaks(1)
	marker, indent := "- ", ""
	if depth := len(w.lists); depth > 0 {
		indent = strings.Repeat("  ", depth-1)
		if l := &w.lists[depth-1]; l.ordered {
			marker = strconv.Itoa(l.next) + ". "
			l.next++
		}
	}
	w.write(indent + marker)
	w.lineOpened = true
	w.children(n)
	w.lineOpened = false
	w.lineBreaks(1)
}

// htmlSpace is white space as HTML defines it; a no-break space is not.
const htmlSpace = " \t\n\f\r"

// text writes character data: verbatim inside <pre>, otherwise with runs of
// white space collapsed to one space.
func (w *textWriter) text(s string) {
	if w.inPre > 0 {
		w.write(s)
		return
	}
	for {
		word := strings.TrimLeft(s, htmlSpace)
		if len(word) < len(s) {
			w.pendingSpace = true
		}
		if word == "" {
			return
		}
		end := strings.IndexAny(word, htmlSpace)
		if end < 0 {
			end = len(word)
		}
		w.write(word[:end])
		s = word[end:]
	}
}

// write puts s into the output after the breaks or the space waiting before
// it. A no-break space becomes a plain one; it is kept, not collapsed,
// because it is not HTML white space.
func (w *textWriter) write(s string) {
	if w.sb.Len() > 0 {
		switch {
		case w.pendingBreaks > 0:
			str := w.sb.String()
			for have := len(str) - len(strings.TrimRight(str, "\n")); have < w.pendingBreaks; have++ {
				w.sb.WriteByte('\n')
			}
		case w.pendingSpace && !strings.HasSuffix(w.sb.String(), "\n") && !strings.HasSuffix(w.sb.String(), " "):
			w.sb.WriteByte(' ')
		}
	}
	w.pendingBreaks, w.pendingSpace, w.lineOpened = 0, false, false
	w.sb.WriteString(strings.ReplaceAll(s, "\u00a0", " "))
}

// lineBreaks asks for at least n line breaks before the next text. Inside
// a list, paragraphs are not set apart by blank lines: items stay together.
func (w *textWriter) lineBreaks(n int) {
	if len(w.lists) > 0 {
		n = min(n, 1)
	}
	if !w.lineOpened {
		w.pendingBreaks = max(w.pendingBreaks, n)
	}
}

// result trims trailing blanks of every line and keeps at most one blank
// line in a row.
func (w *textWriter) result() string {
	lines := strings.Split(w.sb.String(), "\n")
	out := make([]string, 0, len(lines))
	blank := 0
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		if l == "" {
			blank++
			if blank > 1 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

// attr returns the value of n's attribute key, or "".
func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
