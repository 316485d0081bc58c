package engine

import (
	"bytes"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/wfehq/wfe/internal/exprpos"
	"github.com/wfehq/wfe/schema"
)

// ExprError returns the PositionError of an expr-lang compile error in
// the check value named checkValue: expr's message at its position inside
// the value, or without a position (the value as a whole) when expr gives
// none, as for "expected bool, but got int".
func ExprError(checkValue string, err error) *PositionError {
	msg, pos := exprpos.Of(err)
	return &PositionError{CheckValue: checkValue, Line: pos.Line, Column: pos.Col, Err: errors.New(msg)}
}

// valueOffsetPos maps a position inside an attribute's decoded value
// (1-based line and column, in characters; line 0 is the value's start)
// to the document position of that character, reading the raw attribute
// text from src so that entity references (&quot;, &amp;, &#10;) and raw
// line breaks are accounted for. vp is where the raw value starts.
// Without a source, it assumes the value holds no references.
func valueOffsetPos(src *schema.Source, vp schema.Pos, line, col int) schema.Pos {
	if line < 1 {
		return vp
	}
	col = max(col-1, 0) // characters before the position on its line
	naive := func() schema.Pos {
		if line > 1 {
			return schema.Pos{Line: vp.Line + line - 1, Col: col + 1}
		}
		return schema.Pos{Line: vp.Line, Col: vp.Col + col}
	}
	if src == nil || len(src.Bytes) == 0 || vp.Line < 1 {
		return naive()
	}
	s := &sourceScanner{b: src.Bytes, single: src.Encoding != "" && !strings.EqualFold(src.Encoding, "UTF-8"), l: 1, c: 1}
	if !s.seek(vp) || !s.walkValue(line, col) {
		return naive()
	}
	return schema.Pos{Line: s.l, Col: s.c}
}

// sourceScanner walks the raw bytes of a document, keeping the document
// line and column (in characters) of byte offset i.
type sourceScanner struct {
	b      []byte
	single bool // a single-byte encoding: one byte is one character
	i      int  // byte offset
	l, c   int  // document line and column of offset i
}

// next decodes the character at offset i.
func (s *sourceScanner) next(i int) (rune, int) {
	if s.single {
		return rune(s.b[i]), 1
	}
	return utf8.DecodeRune(s.b[i:])
}

// seek moves to the document position vp and reports whether it exists.
func (s *sourceScanner) seek(vp schema.Pos) bool {
	for s.i < len(s.b) && (s.l < vp.Line || (s.l == vp.Line && s.c < vp.Col)) {
		r, n := s.next(s.i)
		s.i += n
		if r == '\n' {
			s.l, s.c = s.l+1, 1
		} else {
			s.c++
		}
	}
	return s.l == vp.Line && s.c == vp.Col
}

// walkValue moves through the raw attribute value to the character at
// (line, col) of the decoded value (col characters before it on its
// line), counting an entity reference as one character (&#10; as a line
// break) and CR LF as one line break. It reports false for a reference it
// cannot read.
func (s *sourceScanner) walkValue(line, col int) bool {
	b := s.b
	dl, dc := 1, 0
	for s.i < len(b) && (dl < line || (dl == line && dc < col)) {
		r, n := s.next(s.i)
		if r == '<' {
			break
		}
		if r == '&' {
			j := bytes.IndexByte(b[s.i:], ';')
			if j < 0 || j > 12 {
				return false
			}
			ref := string(b[s.i : s.i+j+1])
			s.i += j + 1
			s.c += j + 1
			if ref == "&#10;" || ref == "&#xA;" || ref == "&#xa;" {
				dl, dc = dl+1, 0
			} else {
				dc++
			}
			continue
		}
		s.i += n
		if r == '\r' && s.i < len(b) && b[s.i] == '\n' {
			s.c++ // CR LF is one line break in the value: the LF makes it
			continue
		}
		if r == '\n' || r == '\r' {
			s.l, s.c = s.l+1, 1
			dl, dc = dl+1, 0
			continue
		}
		s.c++
		dc++
	}
	return true
}
