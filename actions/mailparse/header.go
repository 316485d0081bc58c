package mailparse

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"regexp"
	"strings"
	"time"
)

// field is one header field; value is unfolded but not decoded.
type field struct {
	name  string
	value string
}

type header []field

// first returns the first field named name (first wins for duplicates).
func (h header) first(name string) *field {
	for i := range h {
		if strings.EqualFold(h[i].name, name) {
			return &h[i]
		}
	}
	return nil
}

func (h header) get(name string) string {
	if f := h.first(name); f != nil {
		return strings.TrimSpace(f.value)
	}
	return ""
}

func (h header) all(name string) []string {
	var out []string
	for _, f := range h {
		if strings.EqualFold(f.name, name) {
			out = append(out, strings.TrimSpace(f.value))
		}
	}
	return out
}

const (
	maxLine        = 64 << 10 // longer header lines are cut
	maxHeaderBytes = 1 << 20  // fields beyond this are ignored
)

// readLine returns the next line without its line end. Lines longer than
// maxLine are cut (the rest is consumed). At the end of input it returns the
// last partial line with io.EOF (an empty line and io.EOF when nothing is left).
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) <= maxLine {
			line = append(line, chunk...)
		} else if len(line) < maxLine {
			line = append(line, chunk[:maxLine-len(line)]...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		line = bytes.TrimRight(line, "\r\n")
		if err != nil && len(line) > 0 && err == io.EOF {
			return line, nil
		}
		return line, err
	}
}

// peekLine returns the next line (without consuming it) if it lies within
// the buffered data.
func peekLine(br *bufio.Reader) []byte {
	b, _ := br.Peek(br.Buffered())
	if len(b) == 0 {
		b, _ = br.Peek(1024)
	}
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return bytes.TrimRight(b[:i], "\r")
	}
	return b
}

var fieldName = regexp.MustCompile(`^[!-9;-~]+[ \t]*:`)

// paramLine matches a MIME parameter that lost its folding indentation.
var paramLine = regexp.MustCompile(`^[A-Za-z-]+\*?[0-9]*\*?="?`)

func isFieldLine(line []byte) bool { return fieldName.Match(line) }

// readHeader reads a header block leniently. It returns the fields and a
// reader positioned at the body. For the top-level header, leading blank
// lines and a first line starting with white space are tolerated. A line
// that is neither a field nor a continuation ends the header (problem noted)
// unless the next line is a field again, in which case it is taken as a
// continuation with broken folding.
func readHeader(br *bufio.Reader, m *Mail, top bool) (header, io.Reader, error) {
	var h header
	size := 0
	truncated := false
	add := func(f field) {
		size += len(f.name) + len(f.value)
		if size > maxHeaderBytes {
			if !truncated {
				m.problemf("header block larger than %d bytes, rest ignored", maxHeaderBytes)
			}
			truncated = true
			return
		}
		h = append(h, f)
	}
	appendCont := func(line []byte) {
		if len(h) == 0 || truncated {
			return
		}
		last := &h[len(h)-1]
		if len(last.value)+len(line) > maxLine*4 {
			return
		}
		last.value += string(line)
	}
	for {
		line, err := readLine(br)
		if err != nil && err != io.EOF {
			return nil, nil, err
		}
		eof := err == io.EOF
		switch {
		case len(bytes.TrimSpace(line)) == 0:
			if len(line) == 0 && eof {
				return h, br, nil
			}
			if top && len(h) == 0 {
				if eof {
					return h, br, nil
				}
				continue // blank lines before the header
			}
			return h, br, nil
		case line[0] == ' ' || line[0] == '\t':
			if len(h) == 0 {
				trimmed := bytes.TrimLeft(line, " \t")
				if isFieldLine(trimmed) {
					m.problemf("header starts with white space")
					name, value := splitField(trimmed)
					add(field{name, value})
				} else if !top {
					return h, bodyWith(line, eof, br), nil
				}
			} else {
				appendCont(line)
			}
		case isFieldLine(line):
			name, value := splitField(line)
			add(field{name, value})
		default:
			if len(h) == 0 {
				if top {
					return h, br, nil
				}
				return h, bodyWith(line, eof, br), nil
			}
			next := peekLine(br)
			paramCont := paramLine.Match(line) || strings.HasSuffix(strings.TrimSpace(h[len(h)-1].value), ";")
			if paramCont || (!eof && (isFieldLine(next) || (len(next) > 0 && (next[0] == ' ' || next[0] == '\t')))) {
				m.problemf("broken header folding near %q", clip(string(line), 40))
				appendCont(append([]byte{' '}, line...))
				continue
			}
			m.problemf("header not ended by an empty line; body starts at %q", clip(string(line), 40))
			return h, bodyWith(line, eof, br), nil
		}
		if eof {
			return h, br, nil
		}
	}
}

// bodyWith puts an already consumed body line back in front of br.
func bodyWith(line []byte, eof bool, br io.Reader) io.Reader {
	first := append(append([]byte(nil), line...), '\n')
	if eof {
		first = first[:len(first)-1]
	}
	return io.MultiReader(bytes.NewReader(first), br)
}

func splitField(line []byte) (string, string) {
	i := bytes.IndexByte(line, ':')
	return string(bytes.TrimRight(line[:i], " \t")), string(line[i+1:])
}

func clip(s string, n int) string {
	if len(s) <= n {
		return sanitize(s)
	}
	return sanitize(s[:n]) + "..."
}

// decodeHeaderText decodes encoded words (any charset) and raw 8-bit bytes
// and returns valid UTF-8 without NULs. Problems go to m when not nil.
func decodeHeaderText(s string, m *Mail) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	s = rawToUTF8(s)
	if !strings.Contains(s, "=?") {
		return sanitize(s)
	}
	out, err := wordDecoder(m).DecodeHeader(s)
	if err != nil {
		if m != nil {
			m.problemf("undecodable encoded word in %q: %v", clip(s, 60), err)
		}
		return sanitize(s)
	}
	return sanitize(out)
}

// wordDecoder decodes encoded words in any charset; unknown charsets fall
// back like bodies do (problem recorded on m).
func wordDecoder(m *Mail) *mime.WordDecoder {
	return &mime.WordDecoder{CharsetReader: func(cs string, in io.Reader) (io.Reader, error) {
		b, err := io.ReadAll(io.LimitReader(in, maxLine*4))
		if err != nil {
			return nil, err
		}
		s, problem := decodeCharset(cs, b, "header")
		if problem != "" && m != nil {
			m.problemf("%s", problem)
		}
		return strings.NewReader(s), nil
	}}
}

var addrSpec = regexp.MustCompile(`[^\s<>()",;:@\[\]]+@[^\s<>()",;:@\[\]]+`)

// parseAddresses parses an address list; when the header is malformed it
// extracts addr-spec tokens by pattern and notes a problem.
func parseAddresses(name, value string, m *Mail) []Address {
	value = strings.TrimSpace(value)
	if value == "" {
		return nil
	}
	value = rawToUTF8(value)
	p := mail.AddressParser{WordDecoder: wordDecoder(m)}
	list, err := p.ParseList(value)
	if err == nil {
		out := make([]Address, 0, len(list))
		for _, a := range list {
			out = append(out, Address{Name: sanitize(strings.TrimSpace(a.Name)), Addr: sanitize(strings.ToLower(a.Address))})
		}
		return out
	}
	var out []Address
	for _, piece := range splitAddressList(stripComments(value)) {
		addr := ""
		rest := piece
		if lt := strings.LastIndexByte(piece, '<'); lt >= 0 {
			if gt := strings.IndexByte(piece[lt:], '>'); gt > 0 {
				addr = addrSpec.FindString(piece[lt : lt+gt])
				rest = piece[:lt] + piece[lt+gt+1:]
			}
		}
		if addr == "" {
			addr = addrSpec.FindString(piece)
			rest = strings.Replace(piece, addr, "", 1)
		}
		if addr == "" {
			// Local part only, as bounces write it: "MAILER-DAEMON",
			// "Mail Delivery Subsystem <MAILER-DAEMON>".
			if lt := strings.LastIndexByte(piece, '<'); lt >= 0 && strings.HasSuffix(strings.TrimSpace(piece), ">") {
				addr = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(piece[lt+1:]), ">"))
				rest = piece[:lt]
			} else if f := strings.Fields(piece); len(f) == 1 && !strings.ContainsAny(f[0], `"<>`) {
				addr, rest = f[0], ""
			}
			if strings.ContainsAny(addr, " \t<>\"") {
				addr = ""
			}
		}
		if addr == "" {
			continue
		}
		addr = strings.Trim(addr, ".'`")
		nm := strings.Trim(strings.TrimSpace(rest), `"' <>`)
		out = append(out, Address{Name: decodeHeaderText(nm, m), Addr: sanitize(strings.ToLower(addr))})
	}
	m.problemf("malformed %s header %q (%v); %d address(es) extracted by pattern", name, clip(value, 80), err, len(out))
	return out
}

var commentRE = regexp.MustCompile(`\([^()"]*\)`)

// stripComments removes (possibly nested) RFC 5322 comments.
func stripComments(s string) string {
	for i := 0; i < 5 && strings.Contains(s, "("); i++ {
		s = commentRE.ReplaceAllString(s, " ")
	}
	return s
}

// splitAddressList splits at commas outside quotes and angle brackets.
func splitAddressList(s string) []string {
	var parts []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && quoted:
			i++
		case c == '"':
			quoted = !quoted
		case c == '<' && !quoted:
			depth++
		case c == '>' && !quoted && depth > 0:
			depth--
		case (c == ',' || c == ';') && !quoted && depth == 0:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

var dateLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 06 15:04:05 -0700",
	"Mon, 2 Jan 06 15:04:05 MST",
	"Mon, 2 January 2006 15:04:05 -0700",
	"Mon, 2-Jan-2006 15:04:05 -0700",
	"Mon Jan 2 15:04:05 2006",
	"Mon Jan 2 15:04:05 MST 2006",
	"Mon Jan 2 15:04:05 -0700 2006",
	"Mon, 2 Jan 2006 15:04:05",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05Z07:00",
	"02.01.2006 15:04:05",
	"02.01.2006 15:04",
}

var (
	dateComment = regexp.MustCompile(`\([^)]*\)`)
	dateSpaces  = regexp.MustCompile(`\s+`)
)

// parseDate parses an RFC 5322 date and common deviations.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if t, err := mail.ParseDate(s); err == nil {
		return t, true
	}
	c := strings.TrimSpace(dateSpaces.ReplaceAllString(dateComment.ReplaceAllString(s, " "), " "))
	c = strings.TrimSuffix(c, ".")
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, c); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// msgID strips angle brackets and white space from a Message-ID value.
func msgID(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '<'); i >= 0 {
		if j := strings.IndexByte(s[i:], '>'); j > 0 {
			return strings.TrimSpace(s[i+1 : i+j])
		}
		s = s[i+1:]
	}
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

func msgIDList(s string) []string {
	var out []string
	for len(s) > 0 {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			break
		}
		if id := strings.TrimSpace(s[i+1 : i+j]); id != "" {
			out = append(out, id)
		}
		s = s[i+j+1:]
	}
	if out == nil && strings.TrimSpace(s) != "" {
		out = strings.Fields(s)
	}
	return out
}

// mediaType parses a Content-Type or Content-Disposition value leniently.
// The returned type is lower-case; params have lower-case keys and decoded
// values (RFC 2231 in any charset, encoded words).
func mediaType(value string, what, part string, m *Mail) (string, map[string]string) {
	value = rawToUTF8(strings.TrimSpace(value))
	if value == "" {
		return "", map[string]string{}
	}
	mt, params, err := mime.ParseMediaType(value)
	if err != nil || needsLenientParams(value, params) {
		if err != nil && !errors.Is(err, mime.ErrInvalidMediaParameter) {
			m.problemf("malformed %s %q in %s (%v)", what, clip(value, 60), partName(part), err)
		}
		t, _, _ := strings.Cut(value, ";")
		mt = ""
		if f := strings.Fields(t); len(f) > 0 {
			mt = strings.ToLower(f[0])
		}
		lp := lenientParams(value, m)
		if params == nil {
			params = lp
		} else {
			for k, v := range lp {
				if _, ok := params[k]; !ok || strings.Contains(strings.ToLower(value), k+"*") {
					params[k] = v
				}
			}
		}
	}
	for k, v := range params {
		if strings.Contains(v, "=?") {
			params[k] = decodeHeaderText(v, m)
		}
	}
	return mt, params
}

// needsLenientParams: Go's mime drops or garbles RFC 2231 values in
// charsets other than UTF-8/US-ASCII; extended parameters are therefore
// always taken from the lenient parser.
func needsLenientParams(value string, params map[string]string) bool {
	return strings.Contains(value, "*=") || strings.Contains(value, "*0")
}

var paramRE = regexp.MustCompile(`[;\s]\s*([^\s=;"]+)\s*=\s*("(?:[^"\\]|\\.)*"?|[^;\s]*)`)

// lenientParams extracts parameters by pattern, joining RFC 2231
// continuations and decoding extended values in any charset.
func lenientParams(value string, m *Mail) map[string]string {
	type piece struct {
		idx   int
		ext   bool
		value string
	}
	raw := map[string][]piece{}
	for _, sm := range paramRE.FindAllStringSubmatch(value, -1) {
		key := strings.ToLower(sm[1])
		v := strings.TrimSpace(sm[2])
		if strings.HasPrefix(v, `"`) {
			v = strings.TrimSuffix(strings.TrimPrefix(v, `"`), `"`)
			v = strings.NewReplacer(`\"`, `"`, `\\`, `\`).Replace(v)
		}
		ext := strings.HasSuffix(key, "*")
		key = strings.TrimSuffix(key, "*")
		idx := 0
		if i := strings.LastIndexByte(key, '*'); i >= 0 {
			if _, err := fmt.Sscanf(key[i+1:], "%d", &idx); err == nil {
				key = key[:i]
			}
		}
		raw[key] = append(raw[key], piece{idx, ext, v})
	}
	out := map[string]string{}
	for key, pieces := range raw {
		// order by index (small n)
		for i := 1; i < len(pieces); i++ {
			for j := i; j > 0 && pieces[j].idx < pieces[j-1].idx; j-- {
				pieces[j], pieces[j-1] = pieces[j-1], pieces[j]
			}
		}
		cs := ""
		var b []byte
		for i, p := range pieces {
			v := p.value
			if p.ext {
				if i == 0 {
					if parts := strings.SplitN(v, "'", 3); len(parts) == 3 {
						cs, v = parts[0], parts[2]
					}
				}
				b = append(b, percentDecode(v)...)
			} else {
				b = append(b, v...)
			}
		}
		if cs != "" {
			s, problem := decodeCharset(cs, b, "parameter "+key)
			if problem != "" {
				m.problemf("%s", problem)
			}
			out[key] = s
		} else {
			out[key] = rawToUTF8(string(b))
		}
	}
	return out
}

func percentDecode(s string) []byte {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return b
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

func partName(part string) string {
	if part == "" {
		return "message body"
	}
	return "part " + part
}

// fillHeaderFields sets the Mail fields taken from the top-level header.
func (p *parser) fillHeaderFields() {
	m, h := p.m, p.m.header
	m.MessageID = sanitize(msgID(h.get("Message-ID")))
	if f := h.first("Message-ID"); f != nil && m.MessageID == "" {
		m.problemf("empty Message-ID header")
	}
	one := func(name string) Address {
		list := parseAddresses(name, h.get(name), m)
		if len(list) == 0 {
			return Address{}
		}
		return list[0]
	}
	m.From = one("From")
	m.Sender = one("Sender")
	m.ReplyTo = parseAddresses("Reply-To", h.get("Reply-To"), m)
	m.To = parseAddresses("To", h.get("To"), m)
	m.Cc = parseAddresses("Cc", h.get("Cc"), m)
	m.Bcc = parseAddresses("Bcc", h.get("Bcc"), m)
	for _, name := range []string{"Delivered-To", "X-Original-To"} {
		for _, v := range h.all(name) {
			for _, a := range parseAddresses(name, v, m) {
				if !containsString(m.DeliveredTo, a.Addr) {
					m.DeliveredTo = append(m.DeliveredTo, a.Addr)
				}
			}
		}
	}
	m.Subject = decodeHeaderText(h.get("Subject"), m)
	if d := h.get("Date"); d == "" {
		m.problemf("missing Date header")
	} else if t, ok := parseDate(d); ok {
		m.Date = t
	} else {
		m.problemf("unparseable Date header %q", clip(d, 60))
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
