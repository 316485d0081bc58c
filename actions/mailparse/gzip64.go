package mailparse

import (
	"bufio"
	"compress/gzip"
	"errors"
	"io"
)

// maxGunzipped bounds what one x-gzip64 part may inflate to, so that a
// small part cannot fill the store with gigabytes of zeros.
const maxGunzipped = 256 << 20

// gunzipReader reads an x-gzip64 body (base64 of gzip data; the base64
// layer is decoded beneath it). Content that is not gzip data is passed on
// as the base64 layer decoded it; damaged gzip data ends the content where
// the damage starts. Both are noted as problems and never fail the mail.
// Read errors of the message itself are returned as they are.
type gunzipReader struct {
	src     *sourceErrReader
	br      *bufio.Reader
	r       io.Reader // gzip reader, or br when the data is not gzip
	n       int64
	done    bool
	problem func(format string, args ...any)
}

func newGunzipReader(base64Layer io.Reader, problem func(format string, args ...any)) *gunzipReader {
	src := &sourceErrReader{r: base64Layer}
	return &gunzipReader{src: src, br: bufio.NewReader(src), problem: problem}
}

func (g *gunzipReader) Read(p []byte) (int, error) {
	if g.done {
		return 0, io.EOF
	}
	if g.r == nil {
		if err := g.open(); err != nil {
			return 0, err
		}
	}
	n, err := g.r.Read(p)
	g.n += int64(n)
	if g.n > maxGunzipped {
		g.problem("x-gzip64 content larger than %d MiB (cut)", maxGunzipped>>20)
		g.done = true
		return n - int(g.n-maxGunzipped), io.EOF
	}
	switch {
	case err == nil || err == io.EOF:
		return n, err
	case g.src.err != nil:
		return n, g.src.err
	}
	g.problem("damaged gzip data after %d bytes (content cut): %v", g.n, err)
	g.done = true
	return n, io.EOF
}

// open starts the gzip reader, or falls back to the base64 layer's bytes
// when they do not start with a gzip header.
func (g *gunzipReader) open() error {
	magic, _ := g.br.Peek(2)
	if g.src.err != nil {
		return g.src.err
	}
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(g.br)
		if err == nil {
			g.r = zr
			return nil
		}
		if g.src.err != nil {
			return g.src.err
		}
		g.problem("damaged gzip header (content cut): %v", err)
		g.r = eofReader{}
		return nil
	}
	if len(magic) > 0 {
		g.problem("x-gzip64 content is not gzip data (kept as decoded base64)")
	}
	g.r = g.br
	return nil
}

// sourceErrReader remembers the first error of its reader other than EOF,
// so that read errors of the message can be told from damaged data.
type sourceErrReader struct {
	r   io.Reader
	err error
}

func (s *sourceErrReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && s.err == nil {
		s.err = err
	}
	return n, err
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }
