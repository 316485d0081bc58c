package mailparse

import (
	"bufio"
	"bytes"
	"io"
)

// multipartReader splits a multipart body at its delimiter lines. It is
// lenient: a body that ends without the closing delimiter ends the last part
// (closed stays false), and a body without any delimiter keeps its first
// bytes in preamble so the caller can read it as text.
type multipartReader struct {
	br       *bufio.Reader
	dash     []byte // "--" + boundary
	started  bool   // a delimiter was seen
	closed   bool   // the closing delimiter was seen
	eof      bool   // the body ended
	cur      *partReader
	preamble []byte
	keep     int // how much preamble to keep
}

func newMultipartReader(r io.Reader, boundary string, keep int) *multipartReader {
	return &multipartReader{
		br:   getReader(&readers8K, r),
		dash: []byte("--" + boundary),
		keep: keep,
	}
}

// release returns the reader's buffer for reuse; mr and its parts must
// not be read afterwards.
func (mr *multipartReader) release() { putReader(&readers8K, mr.br) }

// delim reports whether line (with its line end) is a delimiter line and
// whether it is the closing one.
func (mr *multipartReader) delim(line []byte) (bool, bool) {
	if !bytes.HasPrefix(line, mr.dash) {
		return false, false
	}
	rest := bytes.TrimRight(line[len(mr.dash):], " \t\r\n")
	switch string(rest) {
	case "":
		return true, false
	case "--":
		return true, true
	}
	return false, false
}

// next returns the next part, or nil when there is none.
func (mr *multipartReader) next() (*partReader, error) {
	if mr.cur != nil {
		if _, err := io.Copy(io.Discard, mr.cur); err != nil {
			return nil, err
		}
		mr.cur = nil
	}
	if mr.closed || mr.eof {
		return nil, nil
	}
	if !mr.started {
		atStart := true
		for {
			line, err := mr.br.ReadSlice('\n')
			if err != nil && err != bufio.ErrBufferFull && err != io.EOF {
				return nil, err
			}
			if atStart && err != bufio.ErrBufferFull {
				if ok, closing := mr.delim(line); ok {
					mr.started = true
					mr.closed = closing
					break
				}
			}
			if room := mr.keep - len(mr.preamble); room > 0 {
				mr.preamble = append(mr.preamble, line[:min(room, len(line))]...)
			}
			atStart = err != bufio.ErrBufferFull
			if err == io.EOF {
				mr.eof = true
				return nil, nil
			}
		}
		if mr.closed {
			return nil, nil
		}
	}
	mr.cur = &partReader{mr: mr, atStart: true}
	return mr.cur, nil
}

// partReader reads one part's raw bytes (header and body) up to the next
// delimiter line. The line end before the delimiter belongs to the
// delimiter and is not returned.
type partReader struct {
	mr      *multipartReader
	pending []byte
	buf     []byte
	eol     []byte
	atStart bool
	done    bool
}

func (p *partReader) Read(b []byte) (int, error) {
	for len(p.pending) == 0 {
		if p.done {
			return 0, io.EOF
		}
		line, err := p.mr.br.ReadSlice('\n')
		if err != nil && err != bufio.ErrBufferFull && err != io.EOF {
			return 0, err
		}
		if p.atStart && err != bufio.ErrBufferFull {
			if ok, closing := p.mr.delim(line); ok {
				p.done = true
				p.mr.closed = closing
				return 0, io.EOF
			}
		}
		p.buf = append(p.buf[:0], p.eol...)
		p.eol = p.eol[:0]
		content := line
		if err != bufio.ErrBufferFull {
			switch {
			case bytes.HasSuffix(line, []byte("\r\n")):
				content = line[:len(line)-2]
				p.eol = append(p.eol, '\r', '\n')
			case bytes.HasSuffix(line, []byte("\n")):
				content = line[:len(line)-1]
				p.eol = append(p.eol, '\n')
			}
		}
		p.buf = append(p.buf, content...)
		p.atStart = err != bufio.ErrBufferFull
		if err == io.EOF {
			p.done = true
			p.mr.eof = true
		}
		p.pending = p.buf
	}
	n := copy(b, p.pending)
	p.pending = p.pending[n:]
	return n, nil
}
