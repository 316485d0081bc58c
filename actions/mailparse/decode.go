package mailparse

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding/charmap"
)

// sanitize returns valid UTF-8 without NUL bytes.
func sanitize(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.ReplaceAll(s, "\x00", "")
}

// rawToUTF8 keeps valid UTF-8 and reads anything else as Windows-1252
// (a superset of ISO-8859-1 for printable characters).
func rawToUTF8(s string) string {
	if utf8.ValidString(s) {
		return sanitize(s)
	}
	out, err := charmap.Windows1252.NewDecoder().String(s)
	if err != nil {
		out = s
	}
	return sanitize(out)
}

// decodeCharset converts b from the named charset to UTF-8. Unknown
// charsets fall back to UTF-8 (when valid) or Windows-1252 and a problem is
// returned for the caller to record.
func decodeCharset(cs string, b []byte, where string) (string, string) {
	label := strings.ToLower(strings.Trim(strings.TrimSpace(cs), `"'`))
	label = strings.Trim(strings.TrimPrefix(label, "charset="), `"'`)
	switch label {
	case "", "us-ascii", "ascii", "utf-8", "utf8", "us_ascii", "ansi_x3.4-1968":
		if utf8.Valid(b) {
			return sanitize(string(b)), ""
		}
		if label == "" {
			return rawToUTF8(string(b)), fmt.Sprintf("8-bit text without charset in %s (read as windows-1252)", where)
		}
		return rawToUTF8(string(b)), fmt.Sprintf("invalid bytes for charset %s in %s (read as windows-1252)", label, where)
	case "utf-7", "unicode-1-1-utf-7", "x-unicode-2-0-utf-7", "csunicode11utf7":
		return sanitize(decodeUTF7(b)), ""
	}
	r, err := charset.Reader(label, bytes.NewReader(b))
	if err == nil {
		out, err := io.ReadAll(r)
		if err == nil {
			return sanitize(string(out)), ""
		}
	}
	if utf8.Valid(b) {
		return sanitize(string(b)), fmt.Sprintf("unknown charset %s in %s (kept raw)", clip(label, 40), where)
	}
	return rawToUTF8(string(b)), fmt.Sprintf("unknown charset %s in %s (read as windows-1252)", clip(label, 40), where)
}

// decodeUTF7 decodes RFC 2152 UTF-7.
func decodeUTF7(b []byte) string {
	var sb strings.Builder
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '+' {
			sb.WriteByte(c)
			continue
		}
		j := i + 1
		for j < len(b) && isB64(b[j]) {
			j++
		}
		run := b[i+1 : j]
		if len(run) == 0 {
			if j < len(b) && b[j] == '-' {
				sb.WriteByte('+')
				i = j
			} else {
				sb.WriteByte('+')
			}
			continue
		}
		if len(run)%4 == 1 {
			run = run[:len(run)-1]
		}
		raw, _ := base64.RawStdEncoding.DecodeString(string(run))
		units := make([]uint16, len(raw)/2)
		for k := range units {
			units[k] = uint16(raw[2*k])<<8 | uint16(raw[2*k+1])
		}
		sb.WriteString(string(utf16.Decode(units)))
		i = j - 1
		if j < len(b) && b[j] == '-' {
			i = j
		}
	}
	return sb.String()
}

func isB64(c byte) bool {
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/'
}

// transferDecoder wraps r with the decoder for a Content-Transfer-Encoding.
// Unknown encodings are read as 7bit with a problem noted.
func transferDecoder(cte string, r io.Reader, part string, m *Mail) (io.Reader, *base64Reader) {
	enc := strings.ToLower(strings.Trim(strings.TrimSpace(cte), `"'`))
	switch enc {
	case "", "7bit", "8bit", "binary":
		return r, nil
	case "base64":
		b := newBase64Reader(r)
		return b, b
	case "quoted-printable":
		return newQPReader(r), nil
	case "x-gzip64", "gzip64":
		b := newBase64Reader(r)
		return newGunzipReader(b, func(format string, args ...any) {
			m.problemf(format+" in %s", append(args, partName(part))...)
		}), b
	}
	squashed := strings.Map(func(c rune) rune {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			return c
		}
		return -1
	}, enc)
	switch squashed {
	case "quotedprintable", "qp":
		m.problemf("nonstandard Content-Transfer-Encoding %q in %s (read as quoted-printable)", clip(cte, 30), partName(part))
		return newQPReader(r), nil
	case "base64", "b64":
		m.problemf("nonstandard Content-Transfer-Encoding %q in %s (read as base64)", clip(cte, 30), partName(part))
		b := newBase64Reader(r)
		return b, b
	}
	m.problemf("unknown Content-Transfer-Encoding %q in %s (read as 7bit)", clip(cte, 30), partName(part))
	return r, nil
}

// base64Reader decodes base64 leniently: characters outside the alphabet
// are skipped (and counted), padding ends a quantum wherever it appears, and
// a trailing partial quantum is decoded as far as possible.
//
// Well-formed input is decoded in bulk by encoding/base64: whole lines are
// kept together across reads, a chunk of complete lines is decoded in one
// call, and only a chunk (then a line) the strict decoder rejects goes
// through the character-by-character lenient path.
type base64Reader struct {
	r       io.Reader
	in      [4096]byte
	nin     int // bytes of an incomplete line kept at the start of in
	quad    [4]byte
	nq      int
	out     []byte
	outBuf  [3 * 4096]byte
	err     error
	Invalid int64 // bytes that are neither alphabet, padding nor white space
}

func (b *base64Reader) Read(p []byte) (int, error) {
	for len(b.out) == 0 {
		if b.err != nil {
			return 0, b.err
		}
		n, err := b.r.Read(b.in[b.nin:])
		data := b.in[:b.nin+n]
		var rest []byte
		if err == nil {
			// Keep an incomplete last line for the next read so that lines
			// are decoded whole.
			if i := bytes.LastIndexByte(data, '\n'); i >= 0 {
				data, rest = data[:i+1], data[i+1:]
			}
		}
		out := b.decode(b.outBuf[:0], data)
		b.nin = copy(b.in[:], rest)
		if err != nil {
			out = b.flushQuad(out)
			b.err = err
		}
		b.out = out
	}
	n := copy(p, b.out)
	b.out = b.out[n:]
	return n, nil
}

// decode appends the decoded form of data to out: in bulk where the strict
// decoder accepts it, leniently otherwise.
func (b *base64Reader) decode(out, data []byte) []byte {
	if b.nq == 0 {
		if n, err := base64.StdEncoding.Decode(out[len(out):cap(out)], data); err == nil {
			return out[:len(out)+n]
		}
	}
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line = data[:i+1]
		}
		data = data[len(line):]
		if b.nq == 0 {
			if n, err := base64.StdEncoding.Decode(out[len(out):cap(out)], line); err == nil {
				out = out[:len(out)+n]
				continue
			}
		}
		out = b.lenient(out, line)
	}
	return out
}

// lenient decodes data character by character.
func (b *base64Reader) lenient(out, data []byte) []byte {
	for _, c := range data {
		switch {
		case isB64(c):
			b.quad[b.nq] = c
			b.nq++
			if b.nq == 4 {
				out = b.flushQuad(out)
			}
		case c == '=':
			out = b.flushQuad(out)
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
		default:
			b.Invalid++
		}
	}
	return out
}

// flushQuad decodes the pending 0..4 alphabet characters.
func (b *base64Reader) flushQuad(out []byte) []byte {
	q := b.quad[:b.nq]
	b.nq = 0
	if len(q) < 2 {
		if len(q) == 1 {
			b.Invalid++
		}
		return out
	}
	var dst [3]byte
	n, _ := base64.RawStdEncoding.Decode(dst[:], q)
	return append(out, dst[:n]...)
}

// qpReader decodes quoted-printable leniently: "=" not followed by two hex
// digits stays literal, raw 8-bit and control bytes pass through, trailing
// white space is removed and "=" at line end joins lines.
type qpReader struct {
	br    *bufio.Reader
	out   []byte
	buf   []byte
	carry []byte
	err   error
}

func newQPReader(r io.Reader) *qpReader {
	return &qpReader{br: bufio.NewReaderSize(r, 8192)}
}

func (q *qpReader) Read(p []byte) (int, error) {
	for len(q.out) == 0 {
		if q.err != nil {
			return 0, q.err
		}
		line, err := q.br.ReadSlice('\n')
		if len(q.carry) > 0 {
			line = append(q.carry, line...)
			q.carry = nil
		}
		if err == bufio.ErrBufferFull {
			// Keep a possible "=XX" escape together with the next chunk.
			if i := bytes.LastIndexByte(line, '='); i >= 0 && len(line)-i < 3 {
				q.carry = append([]byte(nil), line[i:]...)
				line = line[:i]
			}
			q.buf = q.decode(q.buf[:0], line, false)
		} else {
			if err != nil {
				q.err = err
			}
			q.buf = q.decode(q.buf[:0], line, true)
		}
		q.out = q.buf
	}
	n := copy(p, q.out)
	q.out = q.out[n:]
	return n, nil
}

// decode appends the decoded form of one (possibly partial) line to dst.
func (q *qpReader) decode(dst, line []byte, complete bool) []byte {
	eol := []byte(nil)
	if complete {
		switch {
		case bytes.HasSuffix(line, []byte("\r\n")):
			line, eol = line[:len(line)-2], []byte("\r\n")
		case bytes.HasSuffix(line, []byte("\n")):
			line, eol = line[:len(line)-1], []byte("\n")
		}
		line = bytes.TrimRight(line, " \t")
		if bytes.HasSuffix(line, []byte("=")) {
			line, eol = line[:len(line)-1], nil // soft line break
		}
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		if c == '=' && i+2 < len(line) && isHex(line[i+1]) && isHex(line[i+2]) {
			dst = append(dst, unhex(line[i+1])<<4|unhex(line[i+2]))
			i += 2
			continue
		}
		dst = append(dst, c)
	}
	return append(dst, eol...)
}
