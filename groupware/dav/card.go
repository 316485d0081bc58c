package dav

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/wfehq/wfe/groupware"
)

// MaxKeptValue is the largest unmapped property kept in
// Contact.Unmapped; larger ones (photos, sounds, keys) stay on the server
// only and are carried over by a merge without being loaded whole.
const MaxKeptValue = 16 << 10

// maxMappedValue is the largest value of a mapped property; a card with a
// longer name or address is refused as broken.
const maxMappedValue = 64 << 10

// readCard maps a vCard (3.0, 4.0, and most 2.1) onto a Contact. Unmapped
// properties are collected into Contact.Unmapped as vCard lines, each at
// most MaxKeptValue long; longer ones are read past, never held whole.
func readCard(r io.Reader) (*groupware.Contact, error) {
	sc := newLineScanner(r)
	var cls classifier
	c := &groupware.Contact{}
	var unmapped bytes.Buffer
	for {
		l, err := sc.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if l.Name == "REV" {
			if err := readRev(sc, c); err != nil {
				return nil, err
			}
			continue
		}
		kind := cls.kind(l)
		if kind == kindOther {
			if err := keepLine(sc, &unmapped); err != nil {
				return nil, err
			}
			continue
		}
		raw, ok, err := sc.Value(maxMappedValue)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("vcard: %s longer than %d bytes", l.Name, maxMappedValue)
		}
		if kind == kindStructure && l.Name == "END" {
			break
		}
		mapLine(c, kind, textOf(l, raw))
	}
	if unmapped.Len() > 0 {
		c.Unmapped = unmapped.Bytes()
	}
	return c, nil
}

// keepLine copies an unmapped line into buf unless it is longer than
// MaxKeptValue.
func keepLine(sc *lineScanner, buf *bytes.Buffer) error {
	mark := buf.Len()
	capped := &cappedWriter{w: buf, left: MaxKeptValue}
	if err := sc.CopyRaw(capped); err != nil {
		return err
	}
	if capped.over {
		buf.Truncate(mark)
	}
	return nil
}

// cappedWriter writes up to left bytes and swallows the rest.
type cappedWriter struct {
	w    io.Writer
	left int
	over bool
}

func (c *cappedWriter) Write(p []byte) (int, error) {
	if c.over || len(p) > c.left {
		c.over = true
		return len(p), nil
	}
	c.left -= len(p)
	return c.w.Write(p)
}

func mapLine(c *groupware.Contact, kind propKind, v string) {
	switch kind {
	case kindFN:
		c.DisplayName = unescape(v)
	case kindN:
		p := components(v)
		c.Surname, c.GivenName, c.MiddleName = part(p, 0), part(p, 1), part(p, 2)
	case kindEmail:
		if e := strings.TrimSpace(unescape(v)); e != "" {
			c.Emails = append(c.Emails, e)
		}
	case kindBusinessPhone:
		c.BusinessPhones = append(c.BusinessPhones, strings.TrimSpace(unescape(v)))
	case kindMobile:
		c.MobilePhone = strings.TrimSpace(unescape(v))
	case kindOrg:
		p := components(v)
		c.Company, c.Department = part(p, 0), part(p, 1)
	case kindTitle:
		c.JobTitle = unescape(v)
	case kindBusinessAddress:
		p := components(v)
		c.BusinessAddress = groupware.Address{Street: part(p, 2), City: part(p, 3), State: part(p, 4), PostalCode: part(p, 5), Country: part(p, 6)}
	case kindCRMID:
		c.CRMID = strings.TrimSpace(unescape(v))
	}
}

// newCard is the vCard 3.0 of a contact wfe creates.
func newCard(c *groupware.Contact, uid, crmID string) []byte {
	var b bytes.Buffer
	b.WriteString("BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//wfe//groupware//EN\r\n")
	writeLine(&b, "UID", "", escape(uid))
	writeLine(&b, crmIDProperty, "", escape(crmID))
	writeMapped(&b, c, "3.0")
	b.WriteString("END:VCARD\r\n")
	return b.Bytes()
}

// mergeCard copies the card src to dst with the mapped properties
// replaced by c's and every other line kept as it was, streaming: a large
// PHOTO passes through without being held in memory. The mapped
// properties go right after VERSION, so that a kept second mobile number
// stays second. When c has no mobile number (or business address), the
// card's next mobile (work address) is read as the mapped one afterwards.
func mergeCard(dst io.Writer, src io.Reader, c *groupware.Contact) error {
	sc := newLineScanner(src)
	var cls classifier
	version, written := "3.0", false
	mapped := func() {
		if !written {
			writeMapped(dst, c, version)
			written = true
		}
	}
	for {
		l, err := sc.Next()
		if err == io.EOF {
			return errors.New("vcard: no END:VCARD")
		}
		if err != nil {
			return err
		}
		switch kind := cls.kind(l); {
		case l.Name == "BEGIN":
			err = sc.CopyRaw(dst)
		case l.Name == "VERSION":
			var v []byte
			v, _, err = sc.Value(64)
			version = strings.TrimSpace(string(v))
			writeLine(dst, "VERSION", "", version)
			mapped()
		case l.Name == "END":
			mapped()
			_, err := io.WriteString(dst, "END:VCARD\r\n")
			return err
		case kind == kindOther || kind == kindCRMID:
			mapped() // before the first kept line, also in a card without VERSION
			err = sc.CopyRaw(dst)
		}
		if err != nil {
			return err
		}
	}
}

// writeMapped writes the mapped properties of c in the card's version.
func writeMapped(w io.Writer, c *groupware.Contact, version string) {
	fn := displayName(c)
	writeLine(w, "FN", "", escape(fn))
	writeLine(w, "N", "", strings.Join([]string{escape(c.Surname), escape(c.GivenName), escape(c.MiddleName), "", ""}, ";"))
	for _, e := range c.Emails {
		writeLine(w, "EMAIL", "TYPE=internet", escape(e))
	}
	for _, p := range c.BusinessPhones {
		writeLine(w, "TEL", "TYPE=work,voice", escape(p))
	}
	if c.MobilePhone != "" {
		writeLine(w, "TEL", "TYPE=cell", escape(c.MobilePhone))
	}
	if c.Company != "" || c.Department != "" {
		writeLine(w, "ORG", "", escape(c.Company)+";"+escape(c.Department))
	}
	if c.JobTitle != "" {
		writeLine(w, "TITLE", "", escape(c.JobTitle))
	}
	if a := c.BusinessAddress; !a.IsZero() {
		writeLine(w, "ADR", "TYPE=work", strings.Join([]string{"", "", escape(a.Street), escape(a.City), escape(a.State), escape(a.PostalCode), escape(a.Country)}, ";"))
	}
}

// displayName is FN, which a card must have: the display name, else the
// name, the company or the first e-mail address.
func displayName(c *groupware.Contact) string {
	for _, v := range []string{c.DisplayName, strings.TrimSpace(c.GivenName + " " + c.Surname), c.Company} {
		if v != "" {
			return v
		}
	}
	if len(c.Emails) > 0 {
		return c.Emails[0]
	}
	return "?"
}

// writeLine writes one content line folded at 75 octets, never inside a
// UTF-8 sequence.
func writeLine(w io.Writer, name, params, value string) {
	line := name
	if params != "" {
		line += ";" + params
	}
	line += ":" + value
	var b strings.Builder
	width := 0
	for _, r := range line {
		n := utf8.RuneLen(r)
		if width+n > 75 {
			b.WriteString("\r\n ")
			width = 1
		}
		b.WriteRune(r)
		width += n
	}
	b.WriteString("\r\n")
	_, _ = io.WriteString(w, b.String())
}
