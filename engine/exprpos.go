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
	b := src.Bytes
	single := src.Encoding != "" && !strings.EqualFold(src.Encoding, "UTF-8")
	next := func(i int) (rune, int) {
		if single {
			return rune(b[i]), 1
		}
		return utf8.DecodeRune(b[i:])
	}
	i, l, c := 0, 1, 1
	for i < len(b) && (l < vp.Line || (l == vp.Line && c < vp.Col)) {
		r, n := next(i)
		i += n
		if r == '\n' {
			l, c = l+1, 1
		} else {
			c++
		}
	}
	if l != vp.Line || c != vp.Col {
		return naive()
	}
	dl, dc := 1, 0
	for i < len(b) && (dl < line || (dl == line && dc < col)) {
		r, n := next(i)
		if r == '<' {
			break
		}
		if r == '&' {
			j := bytes.IndexByte(b[i:], ';')
			if j < 0 || j > 12 {
				return naive()
			}
			ref := string(b[i : i+j+1])
			i += j + 1
			c += j + 1
			if ref == "&#10;" || ref == "&#xA;" || ref == "&#xa;" {
				dl, dc = dl+1, 0
			} else {
				dc++
			}
			continue
		}
		i += n
		if r == '\r' && i < len(b) && b[i] == '\n' {
			c++ // CR LF is one line break in the value: the LF makes it
			continue
		}
		if r == '\n' || r == '\r' {
			l, c = l+1, 1
			dl, dc = dl+1, 0
			continue
		}
		c++
		dc++
	}
	return schema.Pos{Line: l, Col: c}
}
