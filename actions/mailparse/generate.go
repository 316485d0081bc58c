package mailparse

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
)

// GenerateLargeMail writes a valid multipart/mixed message with a short
// text body and one application/octet-stream attachment of attachmentSize
// bytes, base64-encoded in 76-character lines. The attachment content is a
// deterministic byte sequence (the same size always gives the same bytes)
// and is produced while writing, so no buffer of that size is ever held.
func GenerateLargeMail(w io.Writer, attachmentSize int64) error {
	bw := bufio.NewWriter(w)
	const boundary = "wfe-large-mail-boundary"
	fmt.Fprintf(bw, "From: Anna Schmidt <anna.schmidt@firma.example>\r\n"+
		"To: Einkauf <einkauf@kunde-mueller.example>\r\n"+
		"Subject: Datenexport (%d Bytes)\r\n"+
		"Date: Mon, 04 Mar 2024 09:15:00 +0100\r\n"+
		"Message-ID: <large-%d@firma.example>\r\n"+
		"MIME-Version: 1.0\r\n"+
		"Content-Type: multipart/mixed; boundary=%q\r\n\r\n"+
		"--%s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+
		"Guten Tag,\r\nanbei der vollständige Export.\r\n"+
		"--%s\r\nContent-Type: application/octet-stream\r\n"+
		"Content-Disposition: attachment; filename=\"export.bin\"\r\n"+
		"Content-Transfer-Encoding: base64\r\n\r\n",
		attachmentSize, attachmentSize, boundary, boundary, boundary)
	lw := &lineWriter{w: bw}
	enc := base64.NewEncoder(base64.StdEncoding, lw)
	if _, err := io.CopyN(enc, &patternReader{}, attachmentSize); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	if lw.col > 0 {
		bw.WriteString("\r\n")
	}
	fmt.Fprintf(bw, "--%s--\r\n", boundary)
	return bw.Flush()
}

// patternReader yields an endless deterministic pseudo-random byte stream
// (xorshift), so the content does not compress to nothing.
type patternReader struct{ s uint64 }

func (p *patternReader) Read(b []byte) (int, error) {
	if p.s == 0 {
		p.s = 0x9E3779B97F4A7C15
	}
	for i := range b {
		p.s ^= p.s << 13
		p.s ^= p.s >> 7
		p.s ^= p.s << 17
		b[i] = byte(p.s)
	}
	return len(b), nil
}

// lineWriter breaks base64 output into 76-character CRLF lines.
type lineWriter struct {
	w   *bufio.Writer
	col int
}

func (l *lineWriter) Write(p []byte) (int, error) {
	for _, c := range p {
		if l.col == 76 {
			if _, err := l.w.WriteString("\r\n"); err != nil {
				return 0, err
			}
			l.col = 0
		}
		if err := l.w.WriteByte(c); err != nil {
			return 0, err
		}
		l.col++
	}
	return len(p), nil
}
