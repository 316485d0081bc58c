package dav

import (
	"bufio"
	"bytes"
	"io"
	"strings"
)

// maxHeader is the most bytes of a content line read before its value is
// known to start: name, group and parameters.
const maxHeader = 8 << 10

// lineScanner reads a vCard one content line at a time without holding a
// whole line in memory: Next returns the line's header (group, name,
// parameters) and the first bytes of its value, and the rest of the line
// is read through Value or copied through CopyRaw. A 50 MB PHOTO therefore
// passes through a few kilobytes of buffer.
type lineScanner struct {
	br   *bufio.Reader
	line contentLine
	// rest of the current logical line not yet consumed
	pending   []byte // unread part of the current physical line
	lineDone  bool   // the current physical line was read to its end
	active    bool   // a line was returned by Next and not read to its end
	qpSoft    bool   // quoted-printable value: "=" at a line end continues
	lastPhysQ bool   // the last physical line ended in a soft break
	foldSpace bool   // the current physical line continued a fold (leading space)
}

// foldSpace is a line end followed by the space of a folded line.
var foldSpace = []byte("\r\n ")

// contentLine is one property's header.
type contentLine struct {
	Group  string
	Name   string              // upper case
	Params map[string][]string // keys upper case; vCard 2.1 bare types under TYPE
	rawHdr []byte              // header bytes as read, up to and including ':'
}

func newLineScanner(r io.Reader) *lineScanner {
	return &lineScanner{br: bufio.NewReaderSize(r, maxHeader)}
}

// Next moves to the next content line; io.EOF at the end of input.
func (s *lineScanner) Next() (*contentLine, error) {
	if err := s.skipRest(); err != nil {
		return nil, err
	}
	for {
		chunk, done, err := s.physical()
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(chunk)) == 0 && done {
			continue // blank line between cards or at the end
		}
		// A line that starts with a blank but follows no line (or a
		// broken one) is read without it: written back, the blank would
		// fold it into the line before.
		chunk = bytes.TrimLeft(chunk, " \t")
		colon := headerEnd(chunk)
		if colon < 0 {
			// A broken line (no "name:"): a property of no name, whose
			// value is the whole line, so a merge keeps it as it was.
			s.line = contentLine{Params: map[string][]string{}}
			colon = -1
		} else {
			s.line = parseHeader(chunk[:colon])
			s.line.rawHdr = append([]byte(nil), chunk[:colon+1]...)
		}
		s.pending, s.lineDone, s.active, s.lastPhysQ = chunk[colon+1:], done, true, false
		s.qpSoft = hasParam(&s.line, "ENCODING", "QUOTED-PRINTABLE")
		return &s.line, nil
	}
}

// physical reads the next piece of a physical line (without its line
// end); done says the line ended.
func (s *lineScanner) physical() ([]byte, bool, error) {
	b, err := s.br.ReadSlice('\n')
	switch {
	case err == bufio.ErrBufferFull:
		return b, false, nil
	case err == io.EOF && len(b) > 0:
		return bytes.TrimRight(b, "\r"), true, nil
	case err != nil:
		return nil, true, err
	}
	return bytes.TrimRight(b, "\r\n"), true, nil
}

// nextPiece returns the next piece of the current logical line's value;
// io.EOF when the line is complete. Folded lines (a following line that
// starts with a space or tab) and quoted-printable soft breaks continue
// the value.
func (s *lineScanner) nextPiece() ([]byte, error) {
	if len(s.pending) > 0 {
		p := s.pending
		s.pending = nil
		return p, nil
	}
	if !s.lineDone {
		chunk, done, err := s.physical()
		if err != nil && err != io.EOF {
			return nil, err
		}
		s.lineDone = done || err == io.EOF
		return chunk, nil
	}
	next, err := s.br.Peek(1)
	if err != nil || (next[0] != ' ' && next[0] != '\t' && !s.lastPhysQ) {
		s.active = false
		return nil, io.EOF
	}
	s.foldSpace = next[0] == ' ' || next[0] == '\t'
	if s.foldSpace {
		_, _ = s.br.ReadByte()
	}
	s.lastPhysQ = false
	chunk, done, err := s.physical()
	if err != nil && err != io.EOF {
		return nil, err
	}
	s.lineDone = done || err == io.EOF
	return chunk, nil
}

// Value reads the rest of the current line's value, at most limit bytes;
// a longer value is drained and reported with ok false.
func (s *lineScanner) Value(limit int) (value []byte, ok bool, err error) {
	var buf []byte
	for {
		p, err := s.nextPiece()
		if err == io.EOF {
			return buf, len(buf) <= limit, nil
		}
		if err != nil {
			return nil, false, err
		}
		if s.qpSoft && s.lineDone && bytes.HasSuffix(p, []byte("=")) {
			s.lastPhysQ = true // quoted-printable soft break: next physical line continues
			p = p[:len(p)-1]
		}
		if len(buf)+len(p) <= limit {
			buf = append(buf, p...)
		} else {
			buf = buf[:0:0]
			limit = -1
		}
	}
}

// CopyRaw writes the current line as it was read (header, value, folds)
// to w, without holding it in memory.
func (s *lineScanner) CopyRaw(w io.Writer) error {
	if _, err := w.Write(s.line.rawHdr); err != nil {
		return err
	}
	first := true
	for {
		wasDone := s.lineDone
		p, err := s.nextPiece()
		if err == io.EOF {
			_, err = w.Write(foldSpace[:2])
			return err
		}
		if err != nil {
			return err
		}
		if !first && wasDone {
			fold := foldSpace
			if !s.foldSpace {
				fold = fold[:2]
			}
			if _, err := w.Write(fold); err != nil {
				return err
			}
		}
		first = false
		if s.qpSoft && s.lineDone && bytes.HasSuffix(p, []byte("=")) {
			s.lastPhysQ = true
		}
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
}

// skipRest drains what is left of the current line.
func (s *lineScanner) skipRest() error {
	if !s.active {
		return nil
	}
	_, _, err := s.Value(-1)
	return err
}

// headerEnd is the index of the ':' that ends a line's header: the first
// one outside a double-quoted parameter value (LABEL="a:b"); -1 if none.
func headerEnd(chunk []byte) int {
	quoted := false
	for i, b := range chunk {
		switch {
		case b == '"':
			quoted = !quoted
		case b == ':' && !quoted:
			return i
		}
	}
	return -1
}

// parseHeader splits "group.NAME;P=a,b;WORK" into its parts.
func parseHeader(h []byte) contentLine {
	parts := splitUnquoted(string(h), ';')
	l := contentLine{Params: map[string][]string{}}
	name := parts[0]
	if g, n, ok := strings.Cut(name, "."); ok {
		l.Group, name = g, n
	}
	l.Name = strings.ToUpper(strings.TrimSpace(name))
	for _, p := range parts[1:] {
		k, v, ok := strings.Cut(p, "=")
		if !ok { // vCard 2.1: a bare parameter is a type
			k, v = "TYPE", p
		}
		k = strings.ToUpper(strings.TrimSpace(k))
		for _, quoted := range splitUnquoted(v, ',') {
			for _, one := range strings.Split(strings.Trim(quoted, `"`), ",") {
				l.Params[k] = append(l.Params[k], one)
			}
		}
	}
	return l
}

// splitUnquoted splits s at sep outside double quotes.
func splitUnquoted(s string, sep byte) []string {
	var out []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '"':
			quoted = !quoted
		case s[i] == sep && !quoted:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func hasParam(l *contentLine, key, value string) bool {
	for _, v := range l.Params[key] {
		if strings.EqualFold(v, value) {
			return true
		}
	}
	return false
}
