package schema

import (
	"bytes"
	"cmp"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Stable diagnostic codes.
const (
	CodeSyntax            = "syntax"             // not well-formed XML
	CodeUnknownEncoding   = "unknown-encoding"   // unsupported encoding in the XML declaration
	CodeWrongRoot         = "wrong-root"         // root element is not WorkFlowMapping
	CodeExtraRoot         = "extra-root"         // a second top-level element
	CodeUnknownElement    = "unknown-element"    // element not in the vocabulary
	CodeUnexpectedElement = "unexpected-element" // known element in the wrong parent
	CodeMisplacedElement  = "misplaced-element"  // known child in the wrong order
	CodeDuplicateElement  = "duplicate-element"  // child occurs more often than allowed
	CodeMissingElement    = "missing-element"    // required child missing (e.g. Step without Event)
	CodeUnexpectedText    = "unexpected-text"    // text inside an element that holds none
	CodeUnknownAttr       = "unknown-attr"       // attribute not in the vocabulary
	CodeDuplicateAttr     = "duplicate-attr"     // attribute given twice
	CodeMissingAttr       = "missing-attr"       // required attribute absent
	CodeEmptyAttr         = "empty-attr"         // required attribute empty
	CodeBadNumber         = "bad-number"         // Step@No or FollowingSteps/No not an integer
	CodeDuplicateStep     = "duplicate-step"     // Step@No used twice
)

// ParseFile reads and parses the workflow document at path. It returns a
// nil model only when the file cannot be read.
func ParseFile(path string) (*WorkFlowMapping, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read workflow: %w", err)
	}
	return Parse(path, data)
}

// Parse parses a WorkFlowMapping document. file names the document in
// diagnostics. The returned model is never nil and is as complete as the
// document allows; the error, if not nil, is a Diagnostics holding every
// problem found, in document order. A syntax error ends parsing at that
// point. No external entity or DTD is ever loaded.
func Parse(file string, data []byte) (*WorkFlowMapping, error) {
	src := &Source{Bytes: bytes.Clone(data), Encoding: EncodingUTF8}
	p := &parser{file: file, src: src, w: &WorkFlowMapping{File: file, Source: src}}
	p.run()
	slices.SortStableFunc(p.diags, func(a, b Diagnostic) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	return p.w, p.diags.Err()
}

type parser struct {
	file  string
	src   *Source
	enc   docEncoding
	w     *WorkFlowMapping
	pm    posMap
	diags Diagnostics
}

// node is one element of the parsed tree, before it becomes a model value.
type node struct {
	name     string
	parent   *node
	seg      string // last element of the path, e.g. "Step[2]"
	pos      Pos
	attrs    []attr
	children []*node
	text     strings.Builder
	textPos  Pos // position of the first non-space character of text
	hasText  bool
	closed   bool // the end tag was read
	insertAt int  // source offset where a new attribute can be inserted
	seen     map[string]int
}

// attr is one attribute with its positions; start and end delimit the raw
// value in the source bytes (without quotes).
type attr struct {
	name       string
	value      string
	pos        Pos // position of the name
	valuePos   Pos
	start, end int
	quote      byte
}

// path is the element path of n, e.g. "WorkFlowMapping/Step[2]/Event". It
// is built on demand, so deep documents stay linear.
func (n *node) path() string {
	if n == nil {
		return ""
	}
	if n.parent == nil {
		return n.seg
	}
	return n.parent.path() + "/" + n.seg
}

func (n *node) attr(name string) (*attr, bool) {
	for i := range n.attrs {
		if n.attrs[i].name == name {
			return &n.attrs[i], true
		}
	}
	return nil, false
}

func (n *node) attrValue(name string) string {
	if a, ok := n.attr(name); ok {
		return a.value
	}
	return ""
}

func (p *parser) diag(pos Pos, path, code, format string, args ...any) {
	p.diags = append(p.diags, Diagnostic{
		File: p.file, Line: pos.Line, Col: pos.Col, Path: path, Code: code,
		Message: fmt.Sprintf(format, args...),
	})
}

func (p *parser) run() {
	data := p.src.Bytes
	base := 0
	if bytes.HasPrefix(data, utf8BOM) {
		base = len(utf8BOM)
	}
	doc := data[base:]
	if bytes.HasPrefix(doc, []byte{0xFE, 0xFF}) || bytes.HasPrefix(doc, []byte{0xFF, 0xFE}) {
		p.diag(Pos{Line: 1, Col: 1}, "", CodeUnknownEncoding,
			"UTF-16 documents are not supported (supported: UTF-8, ISO-8859-1, windows-1252)")
		return
	}
	label, at := declaredEncoding(doc)
	enc, ok := lookupEncoding(label)
	if !ok {
		p.pm = newPosMap(doc, base, false)
		p.diag(p.pm.at(at).pos, "", CodeUnknownEncoding,
			"unsupported encoding %q in the XML declaration (supported: UTF-8, ISO-8859-1, windows-1252)", label)
		return
	}
	if enc.cm != nil && base > 0 {
		// A byte order mark says UTF-8 whatever the declaration claims.
		enc = docEncoding{name: EncodingUTF8}
	}
	p.enc = enc
	p.src.Encoding = enc.name
	u := enc.toUTF8(doc)
	p.pm = newPosMap(u, base, enc.cm != nil)
	root := p.tokenize(u)
	if root == nil {
		return
	}
	if root.name != rootElement {
		p.diag(root.pos, root.name, CodeWrongRoot, "root element is <%s>, want <%s>", root.name, rootElement)
		return
	}
	p.validate(root, specByName[rootElement])
	p.build(root)
}

// tokenize reads the document with encoding/xml and returns the element
// tree. Attribute spans are found by scanning each start tag's bytes.
func (p *parser) tokenize(u []byte) *node {
	dec := xml.NewDecoder(bytes.NewReader(u))
	// The document is already UTF-8; the declared label only needs accepting.
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var root *node
	var stack []*node
	for {
		start := int(dec.InputOffset())
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			msg := err.Error()
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				msg = se.Msg
			}
			msg = strings.TrimPrefix(msg, "xml: ")
			p.diags = append(p.diags, Diagnostic{
				File: p.file, Path: pathOf(stack), Code: CodeSyntax,
				Message: "XML syntax error: " + msg, Err: err,
			})
			pos := p.pm.at(int(dec.InputOffset())).pos
			p.diags[len(p.diags)-1].Line, p.diags[len(p.diags)-1].Col = pos.Line, pos.Col
			return root
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := p.startTag(u, start, int(dec.InputOffset()), t)
			if len(stack) == 0 {
				if root != nil {
					p.diag(n.pos, n.name, CodeExtraRoot, "unexpected <%s> after the root element <%s>", n.name, root.name)
				} else {
					root = n
				}
				n.seg = n.name
			} else {
				parent := stack[len(stack)-1]
				parent.children = append(parent.children, n)
				if parent.seen == nil {
					parent.seen = map[string]int{}
				}
				parent.seen[n.name]++
				n.parent, n.seg = parent, n.name
				if k := parent.seen[n.name]; k > 1 || repeatable(parent.name, n.name) {
					n.seg += "[" + strconv.Itoa(k) + "]"
				}
			}
			stack = append(stack, n)
		case xml.EndElement:
			if len(stack) > 0 {
				stack[len(stack)-1].closed = true
				stack = stack[:len(stack)-1]
			}
		case xml.CharData:
			blank := len(bytes.TrimSpace(t)) == 0
			if len(stack) == 0 {
				if !blank {
					p.diag(p.pm.at(start).pos, "", CodeSyntax, "text outside the root element")
				}
				continue
			}
			top := stack[len(stack)-1]
			if !blank && !top.hasText {
				lead := len(t) - len(bytes.TrimLeft(t, " \t\r\n"))
				top.hasText = true
				// CharData may be shorter than its source (entities), so only
				// leading white space is added to the token's start.
				top.textPos = p.pm.at(start + lead).pos
			}
			top.text.Write(t)
		}
	}
	if root == nil {
		p.diag(p.pm.at(0).pos, "", CodeSyntax, "document has no root element")
	}
	return root
}

func pathOf(stack []*node) string {
	if len(stack) == 0 {
		return ""
	}
	return stack[len(stack)-1].path()
}

// repeatable reports whether parent may hold child more than once (then the
// element path shows an index even for the first one).
func repeatable(parent, child string) bool {
	s := specByName[parent]
	if s == nil {
		return false
	}
	i := s.particleOf(child)
	return i >= 0 && s.Content[i].Max != 1
}

// startTag builds a node from a start element found at u[start:end]. The
// raw tag is scanned for attribute names and value spans; decoded values
// come from encoding/xml, which lists attributes in source order.
func (p *parser) startTag(u []byte, start, end int, t xml.StartElement) *node {
	n := &node{pos: p.pm.at(start).pos}
	tag := u[start:end]
	i := 1
	for i < len(tag) && !isSpace(tag[i]) && tag[i] != '/' && tag[i] != '>' {
		i++
	}
	n.name = string(tag[1:i])
	n.insertAt = p.pm.at(start + i).orig
	for k := 0; ; k++ {
		for i < len(tag) && isSpace(tag[i]) {
			i++
		}
		if i >= len(tag) || tag[i] == '/' || tag[i] == '>' {
			break
		}
		ns := i
		for i < len(tag) && tag[i] != '=' && !isSpace(tag[i]) {
			i++
		}
		a := attr{name: string(tag[ns:i]), pos: p.pm.at(start + ns).pos}
		for i < len(tag) && (isSpace(tag[i]) || tag[i] == '=') {
			i++
		}
		if i >= len(tag) {
			break
		}
		a.quote = tag[i]
		vs := i + 1
		ve := bytes.IndexByte(tag[vs:], a.quote)
		if ve < 0 {
			break
		}
		ve += vs
		i = ve + 1
		vp := p.pm.at(start + vs)
		a.valuePos, a.start = vp.pos, vp.orig
		a.end = p.pm.at(start + ve).orig
		n.insertAt = p.pm.at(start + i).orig
		if k < len(t.Attr) {
			a.value = t.Attr[k].Value
		} else {
			a.value = string(tag[vs:ve])
		}
		n.attrs = append(n.attrs, a)
	}
	return n
}

// validate checks n (an element described by s) and its subtree against the
// vocabulary.
func (p *parser) validate(n *node, s *elemSpec) {
	seen := map[string]bool{}
	misspelt := map[string]bool{} // known attributes an unknown one seems to stand for
	for _, a := range n.attrs {
		if seen[a.name] {
			p.diag(a.pos, n.path(), CodeDuplicateAttr, "attribute %s given twice on <%s>", a.name, n.name)
			continue
		}
		seen[a.name] = true
		if _, ok := s.attr(a.name); !ok {
			near := closest(a.name, s.attrNames())
			misspelt[near] = true
			p.diag(a.pos, n.path(), CodeUnknownAttr, "unknown attribute %s on <%s>%s", a.name, n.name, hint(near, "", ""))
		}
	}
	for _, as := range s.Attrs {
		if !as.Required {
			continue
		}
		a, ok := n.attr(as.Name)
		switch {
		case !ok && misspelt[as.Name]:
			// One mistake, reported once: as the unknown attribute.
		case !ok:
			p.diag(n.pos, n.path(), CodeMissingAttr, "<%s> is missing required attribute %s", n.name, as.Name)
		case strings.TrimSpace(a.value) == "":
			p.diag(a.valuePos, n.path(), CodeEmptyAttr, "<%s> attribute %s is empty", n.name, as.Name)
		}
	}
	if n.hasText && !s.Text {
		p.diag(n.textPos, n.path(), CodeUnexpectedText, "unexpected text in <%s>: %q", n.name, excerpt(n.text.String()))
	}
	p.checkContent(n, s)
}

// checkContent matches the children of n against the content model of s.
func (p *parser) checkContent(n *node, s *elemSpec) {
	cur, count := 0, 0
	for _, c := range n.children {
		cs := specByName[c.name]
		if cs == nil {
			p.diag(c.pos, c.path(), CodeUnknownElement, "unknown element <%s> in <%s>%s",
				c.name, n.name, hint(closest(c.name, elementNames), "<", ">"))
			continue
		}
		j := s.particleOf(c.name)
		switch {
		case j < 0:
			where := ""
			if ps := parentsOf[c.name]; len(ps) == 1 {
				where = fmt.Sprintf(" (it belongs in <%s>)", ps[0])
			}
			p.diag(c.pos, c.path(), CodeUnexpectedElement, "<%s> is not allowed in <%s>%s", c.name, n.name, where)
			continue
		case j < cur:
			p.diag(c.pos, c.path(), CodeMisplacedElement, "<%s> must come before <%s> in <%s>",
				c.name, strings.Join(s.Content[cur].Names, "> or <"), n.name)
		case j == cur && count > 0:
			if max := s.Content[j].Max; max >= 0 && count >= max {
				p.diag(c.pos, c.path(), CodeDuplicateElement, "<%s> may contain only %s <%s>",
					n.name, timesWord(max), c.name)
			}
			count++
		default:
			if count < s.Content[cur].Min && j > cur {
				p.missing(n, s.Content[cur])
			}
			for k := cur + 1; k < j; k++ {
				if s.Content[k].Min > 0 {
					p.missing(n, s.Content[k])
				}
			}
			cur, count = j, 1
		}
		p.validate(c, cs)
	}
	if !n.closed {
		return // the document ended early; a syntax error says so
	}
	for k := cur; k < len(s.Content); k++ {
		if (k == cur && count < s.Content[k].Min) || (k > cur && s.Content[k].Min > 0) {
			p.missing(n, s.Content[k])
		}
	}
}

func (p *parser) missing(n *node, pt particle) {
	p.diag(n.pos, n.path(), CodeMissingElement, "<%s> has no <%s>", n.name, strings.Join(pt.Names, "> or <"))
}

func timesWord(n int) string {
	if n == 1 {
		return "one"
	}
	return strconv.Itoa(n)
}

func hint(name, open, close string) string {
	if name == "" {
		return ""
	}
	return " (did you mean " + open + name + close + "?)"
}

func excerpt(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > 40 {
		s = string([]rune(s)[:40]) + "…"
	}
	return s
}

// build fills the model from the tree. Elements the validator rejected as
// unknown or misplaced in their parent are left out.
func (p *parser) build(root *node) {
	w := p.w
	w.Pos = root.pos
	w.WorkFlowID = root.attrValue("WorkFlowID")
	w.Description = root.attrValue("Description")
	w.ExecutionType = root.attrValue("ExecutionType")
	w.tag = p.tagOf(root)
	firstStep := map[int]*Step{}
	for _, c := range root.children {
		switch c.name {
		case "InternalDescription":
			if w.InternalDescription == "" {
				w.InternalDescription = strings.TrimSpace(c.text.String())
			}
		case "Step":
			st := p.buildStep(c)
			w.Steps = append(w.Steps, st)
			no, err := strconv.Atoi(strings.TrimSpace(st.NoText))
			if err != nil {
				continue // missing or not an integer: reported already
			}
			if first, dup := firstStep[no]; dup {
				a, _ := c.attr("No")
				p.diag(a.valuePos, c.path(), CodeDuplicateStep, "duplicate step number %d (first declared at line %d)", no, first.Line)
			} else {
				firstStep[no] = st
			}
		}
	}
}

func (p *parser) tagOf(n *node) *tagInfo {
	t := &tagInfo{src: p.src, insertAt: n.insertAt, attrs: map[string]span{}}
	for _, a := range n.attrs {
		if _, dup := t.attrs[a.name]; !dup {
			t.attrs[a.name] = span{start: a.start, end: a.end, quote: a.quote}
		}
	}
	return t
}

func (p *parser) buildStep(n *node) *Step {
	st := &Step{Pos: n.pos}
	if a, ok := n.attr("No"); ok {
		st.NoText = a.value
		if v := strings.TrimSpace(a.value); v != "" {
			no, err := strconv.Atoi(v)
			if err != nil {
				p.diag(a.valuePos, n.path(), CodeBadNumber, "Step@No %q is not an integer", a.value)
			}
			st.No = no
		}
	}
	for _, c := range n.children {
		switch c.name {
		case "Event":
			if st.Event == nil {
				st.Event = &Event{Pos: c.pos, Name: c.attrValue("Name")}
				for _, m := range childrenNamed(c, "EventToContextMap") {
					st.Event.ToContext = append(st.Event.ToContext, simpleMappings(m)...)
				}
			}
		case "Conditions":
			for _, cn := range childrenNamed(c, "Condition") {
				st.Conditions = append(st.Conditions, p.buildCondition(cn))
			}
		case "Actions":
			for _, an := range childrenNamed(c, "Action") {
				st.Actions = append(st.Actions, p.buildAction(an))
			}
		case "FollowingSteps":
			for _, no := range childrenNamed(c, "No") {
				st.FollowingSteps = append(st.FollowingSteps, p.buildFollowing(no))
			}
		}
	}
	return st
}

func (p *parser) buildFollowing(n *node) *FollowingStep {
	f := &FollowingStep{Pos: n.pos, Text: strings.TrimSpace(n.text.String())}
	no, err := strconv.Atoi(f.Text)
	switch {
	case f.Text == "":
		p.diag(n.pos, n.path(), CodeBadNumber, "FollowingSteps/No is empty, want a step number")
	case err != nil:
		p.diag(n.textPos, n.path(), CodeBadNumber, "FollowingSteps/No %q is not an integer", f.Text)
	default:
		f.No = no
	}
	return f
}

func (p *parser) buildCondition(n *node) *Condition {
	c := &Condition{Pos: n.pos, Name: n.attrValue("Name")}
	for _, m := range childrenNamed(n, "ContextToConditionMap") {
		c.Inputs = append(c.Inputs, simpleMappings(m)...)
	}
	for _, m := range childrenNamed(n, "CheckValuesMap") {
		for _, cv := range childrenNamed(m, "CheckValue") {
			v := &CheckValue{Pos: cv.pos, Name: cv.attrValue("Name"), tag: p.tagOf(cv)}
			if a, ok := cv.attr("Value"); ok {
				v.Value, v.ValuePos = a.value, a.valuePos
			}
			c.CheckValues = append(c.CheckValues, v)
		}
	}
	return c
}

func (p *parser) buildAction(n *node) *Action {
	a := &Action{Pos: n.pos, Name: n.attrValue("Name")}
	for _, m := range childrenNamed(n, "ContextToActionMap") {
		for _, c := range m.children {
			switch c.name {
			case "ValueMapping":
				vm := &ValueMapping{Pos: c.pos, Name: c.attrValue("Name")}
				if ps := childrenNamed(c, "Parameter"); len(ps) > 0 {
					vm.Parameter = p.buildParameter(ps[0])
				}
				a.Mappings = append(a.Mappings, vm)
			case "SimpleMapping":
				a.Simple = append(a.Simple, simpleMapping(c))
			}
		}
	}
	return a
}

func (p *parser) buildParameter(n *node) *Parameter {
	pr := &Parameter{Pos: n.pos, Name: n.attrValue("Name"), DataType: n.attrValue("DataType"), tag: p.tagOf(n)}
	if a, ok := n.attr("Value"); ok {
		pr.Value, pr.HasValue, pr.ValuePos = a.value, true, a.valuePos
	}
	return pr
}

func childrenNamed(n *node, name string) []*node {
	var out []*node
	for _, c := range n.children {
		if c.name == name {
			out = append(out, c)
		}
	}
	return out
}

func simpleMappings(n *node) []*SimpleMapping {
	var out []*SimpleMapping
	for _, c := range childrenNamed(n, "SimpleMapping") {
		out = append(out, simpleMapping(c))
	}
	return out
}

func simpleMapping(n *node) *SimpleMapping {
	return &SimpleMapping{Pos: n.pos, FromName: n.attrValue("FromName"), ToName: n.attrValue("ToName")}
}

// posMap turns offsets in the UTF-8 form of the document into positions
// (1-based line, column in characters) and offsets in the source bytes. It
// walks forward incrementally, so a pass with rising offsets is linear.
type posMap struct {
	u      []byte
	base   int  // bytes before u in the source (byte order mark)
	single bool // single-byte source encoding: one source byte per rune
	off    int
	line   int
	col    int
	runes  int
}

type mapped struct {
	pos  Pos
	orig int
}

func newPosMap(u []byte, base int, single bool) posMap {
	return posMap{u: u, base: base, single: single, line: 1, col: 1}
}

func (m *posMap) at(off int) mapped {
	if off < m.off {
		m.off, m.line, m.col, m.runes = 0, 1, 1, 0
	}
	off = min(off, len(m.u))
	for m.off < off {
		r, size := utf8.DecodeRune(m.u[m.off:])
		m.off += size
		m.runes++
		if r == '\n' {
			m.line++
			m.col = 1
		} else {
			m.col++
		}
	}
	orig := m.base + m.off
	if m.single {
		orig = m.base + m.runes
	}
	return mapped{pos: Pos{Line: m.line, Col: m.col}, orig: orig}
}
