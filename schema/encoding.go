package schema

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Canonical encoding names stored in Source.Encoding.
const (
	EncodingUTF8        = "UTF-8"
	EncodingISO88591    = "ISO-8859-1"
	EncodingWindows1252 = "windows-1252"
)

// docEncoding is a supported document encoding. cm is nil for UTF-8; the
// others are single-byte encodings, so every source byte is one character.
type docEncoding struct {
	name string
	cm   *charmap.Charmap
}

var encodingAliases = map[string]docEncoding{
	"utf-8":           {name: EncodingUTF8},
	"utf8":            {name: EncodingUTF8},
	"us-ascii":        {name: EncodingUTF8},
	"ascii":           {name: EncodingUTF8},
	"iso-8859-1":      {name: EncodingISO88591, cm: charmap.ISO8859_1},
	"iso8859-1":       {name: EncodingISO88591, cm: charmap.ISO8859_1},
	"iso_8859-1":      {name: EncodingISO88591, cm: charmap.ISO8859_1},
	"iso-latin-1":     {name: EncodingISO88591, cm: charmap.ISO8859_1},
	"latin1":          {name: EncodingISO88591, cm: charmap.ISO8859_1},
	"latin-1":         {name: EncodingISO88591, cm: charmap.ISO8859_1},
	"l1":              {name: EncodingISO88591, cm: charmap.ISO8859_1},
	"windows-1252":    {name: EncodingWindows1252, cm: charmap.Windows1252},
	"cp1252":          {name: EncodingWindows1252, cm: charmap.Windows1252},
	"x-cp1252":        {name: EncodingWindows1252, cm: charmap.Windows1252},
	"windows1252":     {name: EncodingWindows1252, cm: charmap.Windows1252},
	"ms-ansi":         {name: EncodingWindows1252, cm: charmap.Windows1252},
	"x-windows-1252":  {name: EncodingWindows1252, cm: charmap.Windows1252},
	"iso-8859-1:1987": {name: EncodingISO88591, cm: charmap.ISO8859_1},
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// declaredEncoding finds the encoding pseudo-attribute of the XML
// declaration at the start of doc. It returns the label and the byte offset
// of its first character, or "" and -1 when none is declared.
func declaredEncoding(doc []byte) (string, int) {
	if !bytes.HasPrefix(doc, []byte("<?xml")) || len(doc) < 6 || !isSpace(doc[5]) {
		return "", -1
	}
	end := bytes.Index(doc, []byte("?>"))
	if end < 0 {
		return "", -1
	}
	decl := doc[:end]
	i := 5
	for i < len(decl) {
		for i < len(decl) && isSpace(decl[i]) {
			i++
		}
		ns := i
		for i < len(decl) && decl[i] != '=' && !isSpace(decl[i]) {
			i++
		}
		name := string(decl[ns:i])
		for i < len(decl) && isSpace(decl[i]) {
			i++
		}
		if i >= len(decl) || decl[i] != '=' {
			return "", -1
		}
		i++
		for i < len(decl) && isSpace(decl[i]) {
			i++
		}
		if i >= len(decl) || (decl[i] != '"' && decl[i] != '\'') {
			return "", -1
		}
		q := decl[i]
		vs := i + 1
		ve := bytes.IndexByte(decl[vs:], q)
		if ve < 0 {
			return "", -1
		}
		if name == "encoding" {
			return string(decl[vs : vs+ve]), vs
		}
		i = vs + ve + 1
	}
	return "", -1
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func lookupEncoding(label string) (docEncoding, bool) {
	if label == "" {
		return docEncoding{name: EncodingUTF8}, true
	}
	e, ok := encodingAliases[strings.ToLower(strings.TrimSpace(label))]
	return e, ok
}

// toUTF8 converts a single-byte document to UTF-8; each source byte becomes
// exactly one rune, which is what posMap relies on.
func (e docEncoding) toUTF8(doc []byte) []byte {
	if e.cm == nil {
		return doc
	}
	out := make([]byte, 0, len(doc)+len(doc)/8)
	for _, b := range doc {
		out = utf8.AppendRune(out, e.cm.DecodeByte(b))
	}
	return out
}

// xmlChar reports whether r may appear in an XML 1.0 document.
func xmlChar(r rune) bool {
	return r == 0x9 || r == 0xA || r == 0xD ||
		(r >= 0x20 && r <= 0xD7FF) ||
		(r >= 0xE000 && r <= 0xFFFD) ||
		(r >= 0x10000 && r <= 0x10FFFF)
}

// encodeAttrValue escapes v for an attribute value delimited by quote and
// encodes it in e. Characters e cannot represent become character
// references.
func (e docEncoding) encodeAttrValue(v string, quote byte) ([]byte, error) {
	var out []byte
	for i, r := range v {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(v[i:]); size == 1 {
				return nil, fmt.Errorf("value is not valid UTF-8 at byte %d", i)
			}
		}
		if !xmlChar(r) {
			return nil, fmt.Errorf("character %U at byte %d cannot appear in XML", r, i)
		}
		switch {
		case r == '&':
			out = append(out, "&amp;"...)
		case r == '<':
			out = append(out, "&lt;"...)
		case r == '>':
			out = append(out, "&gt;"...)
		case r == '"' && quote == '"':
			out = append(out, "&quot;"...)
		case r == '\'' && quote == '\'':
			out = append(out, "&apos;"...)
		case r == '\t' || r == '\n' || r == '\r':
			// Literal white space would be normalised to a space on reading.
			out = fmt.Appendf(out, "&#%d;", r)
		case r < utf8.RuneSelf:
			out = append(out, byte(r))
		case e.cm == nil:
			out = utf8.AppendRune(out, r)
		default:
			if b, ok := e.cm.EncodeRune(r); ok && e.cm.DecodeByte(b) == r {
				out = append(out, b)
			} else {
				out = fmt.Appendf(out, "&#%d;", r)
			}
		}
	}
	return out, nil
}
