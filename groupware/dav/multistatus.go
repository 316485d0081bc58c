package dav

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
)

// msEntry is one <response> of a multistatus: a member's path
// (unescaped), its status, and the properties asked for.
type msEntry struct {
	Path   string
	Status int // the response's own status, or 200 when its propstat is 2xx
	ETag   string
	Data   string // address-data or calendar-data
	CTag   string
	Token  string // sync-token as a property
}

type xmlResponse struct {
	Hrefs     []string `xml:"DAV: href"`
	Status    string   `xml:"DAV: status"`
	Propstats []struct {
		Status string `xml:"DAV: status"`
		Prop   struct {
			ETag      string `xml:"DAV: getetag"`
			Data      string `xml:"urn:ietf:params:xml:ns:carddav address-data"`
			CalData   string `xml:"urn:ietf:params:xml:ns:caldav calendar-data"`
			CTag      string `xml:"http://calendarserver.org/ns/ getctag"`
			SyncToken string `xml:"DAV: sync-token"`
		} `xml:"DAV: prop"`
	} `xml:"DAV: propstat"`
}

// readMultistatus reads a multistatus one response at a time, calling
// each for every response, and returns the sync-token element (RFC 6578)
// wherever it stands.
func readMultistatus(r io.Reader, each func(msEntry) error) (string, error) {
	dec := xml.NewDecoder(r)
	var token string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return token, nil
		}
		if err != nil {
			return "", fmt.Errorf("dav: reading multistatus: %w", err)
		}
		start, ok := tok.(xml.StartElement)
		if !ok || start.Name.Space != "DAV:" {
			continue
		}
		switch start.Name.Local {
		case "sync-token":
			if err := dec.DecodeElement(&token, &start); err != nil {
				return "", err
			}
		case "response":
			var resp xmlResponse
			if err := dec.DecodeElement(&resp, &start); err != nil {
				return "", fmt.Errorf("dav: reading multistatus response: %w", err)
			}
			if err := each(resp.entry()); err != nil {
				return "", err
			}
		}
	}
}

func (r *xmlResponse) entry() msEntry {
	e := msEntry{}
	if len(r.Hrefs) > 0 {
		e.Path = hrefPath(r.Hrefs[0])
	}
	e.Status = statusCode(r.Status)
	for _, ps := range r.Propstats {
		code := statusCode(ps.Status)
		if code/100 != 2 {
			continue
		}
		if e.Status == 0 {
			e.Status = code
		}
		p := ps.Prop
		e.ETag, e.Data, e.CTag, e.Token = pick(e.ETag, p.ETag), pick(pick(e.Data, p.Data), p.CalData), pick(e.CTag, p.CTag), pick(e.Token, p.SyncToken)
	}
	if e.Status == 0 && len(r.Propstats) > 0 {
		e.Status = statusCode(r.Propstats[0].Status)
	}
	return e
}

func pick(have, v string) string {
	if have != "" {
		return have
	}
	return strings.TrimSpace(v)
}

// statusCode reads "HTTP/1.1 404 Not Found"; 0 when absent.
func statusCode(s string) int {
	f := strings.Fields(s)
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(f[1])
	return n
}

// hrefPath is the unescaped path of an href (absolute URL or path).
func hrefPath(href string) string {
	href = strings.TrimSpace(href)
	if u, err := url.Parse(href); err == nil {
		return u.Path
	}
	return href
}

// xmlEscape escapes text for an XML element.
func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// quoteETag returns an ETag in the quoted form of the ETag header.
func quoteETag(e string) string {
	if e == "" || strings.HasPrefix(e, `"`) || strings.HasPrefix(e, `W/"`) {
		return e
	}
	return `"` + e + `"`
}
