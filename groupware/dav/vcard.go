package dav

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime/quotedprintable"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
)

// propKind says which mapped field a content line feeds, if any.
type propKind int

const (
	kindOther     propKind = iota // not mapped: kept as it is
	kindStructure                 // BEGIN, END, VERSION
	kindFN
	kindN
	kindEmail
	kindBusinessPhone
	kindMobile
	kindOrg
	kindTitle
	kindBusinessAddress
	kindCRMID
)

// crmIDProperty carries the CRM id on the cards wfe creates.
const crmIDProperty = "X-WFE-CRM-ID"

// classifier sorts a card's lines into mapped fields. It is stateful:
// the first mobile number and the first work address are mapped, further
// ones are kept as they are. Reading and merging use the same rules, so
// a merge drops exactly the lines that reading mapped.
type classifier struct{ mobileSeen, addressSeen bool }

func (c *classifier) kind(l *contentLine) propKind {
	switch l.Name {
	case "BEGIN", "END", "VERSION":
		return kindStructure
	case "FN":
		return kindFN
	case "N":
		return kindN
	case "EMAIL":
		return kindEmail
	case "ORG":
		return kindOrg
	case "TITLE":
		return kindTitle
	case crmIDProperty:
		return kindCRMID
	case "TEL":
		return c.phoneKind(l)
	case "ADR":
		if hasType(l, "work") && !c.addressSeen {
			c.addressSeen = true
			return kindBusinessAddress
		}
	}
	return kindOther
}

func (c *classifier) phoneKind(l *contentLine) propKind {
	if hasType(l, "fax") || hasType(l, "pager") || hasType(l, "text") || hasType(l, "video") || hasType(l, "textphone") {
		return kindOther
	}
	if hasType(l, "cell") {
		if c.mobileSeen {
			return kindOther
		}
		c.mobileSeen = true
		return kindMobile
	}
	if hasType(l, "work") {
		return kindBusinessPhone
	}
	return kindOther
}

// hasType tells whether TYPE lists t (case-insensitive).
func hasType(l *contentLine, t string) bool { return hasParam(l, "TYPE", t) }

// textOf decodes a value's transfer encoding and charset: quoted-printable
// and base64 (vCard 2.1/3.0), a CHARSET parameter, and bytes that are not
// UTF-8 at all, read as Windows-1252 (what such cards nearly always are).
func textOf(l *contentLine, raw []byte) string {
	b := raw
	switch enc := strings.ToUpper(first(l.Params["ENCODING"])); enc {
	case "QUOTED-PRINTABLE":
		if dec, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(b))); err == nil {
			b = dec
		}
	case "B", "BASE64":
		if dec, err := base64.StdEncoding.DecodeString(string(b)); err == nil {
			b = dec
		}
	}
	if cs := first(l.Params["CHARSET"]); cs != "" && !strings.EqualFold(cs, "utf-8") {
		if enc, err := htmlindex.Get(cs); err == nil {
			if dec, err := enc.NewDecoder().Bytes(b); err == nil {
				return string(dec)
			}
		}
	}
	if !utf8.Valid(b) {
		if dec, err := charmap.Windows1252.NewDecoder().Bytes(b); err == nil {
			return string(dec)
		}
	}
	return string(b)
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// components splits a structured value (N, ADR, ORG) at unescaped ';'
// and unescapes each part.
func components(v string) []string {
	var out []string
	var cur strings.Builder
	for i := 0; i < len(v); i++ {
		switch {
		case v[i] == '\\' && i+1 < len(v):
			cur.WriteByte(v[i])
			cur.WriteByte(v[i+1])
			i++
		case v[i] == ';':
			out = append(out, unescape(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(v[i])
		}
	}
	return append(out, unescape(cur.String()))
}

// unescape undoes vCard text escapes (\n, \N, \\, \, \; \:).
func unescape(v string) string {
	if !strings.ContainsRune(v, '\\') {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
			if v[i] == 'n' || v[i] == 'N' {
				b.WriteByte('\n')
			} else {
				b.WriteByte(v[i])
			}
			continue
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// escape writes vCard text escapes; structured components also escape ';'.
func escape(v string) string {
	r := strings.NewReplacer(`\`, `\\`, "\r\n", `\n`, "\n", `\n`, ",", `\,`, ";", `\;`)
	return r.Replace(v)
}

func part(parts []string, i int) string {
	if i < len(parts) {
		return strings.TrimSpace(parts[i])
	}
	return ""
}
