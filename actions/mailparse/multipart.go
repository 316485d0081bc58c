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

// Read returns as many whole lines as b holds and the buffer has already
// read (at least one), so that a decoder over it works on chunks of lines
// rather than on a line per call.
func (p *partReader) Read(b []byte) (int, error) {
	n := 0
	for n < len(b) {
		if len(p.pending) == 0 {
			if k := p.bulk(b[n:]); k > 0 {
				n += k
				continue
			}
			if n > 0 && !p.lineBuffered() {
				break
			}
			if err := p.nextLine(); err != nil {
				if n > 0 && err == io.EOF {
					break
				}
				return n, err
			}
		}
		c := copy(b[n:], p.pending)
		p.pending = p.pending[c:]
		n += c
	}
	return n, nil
}

// bulk copies the whole lines at the start of the buffer that cannot be
// a delimiter (none starts with '-') into b, at most as many as fit, and
// returns how many bytes it wrote: 0 when the next line needs a look of
// its own (nextLine). As there, each line end is held back until the
// line after it is known not to be a delimiter.
func (p *partReader) bulk(b []byte) int {
	if !p.atStart || p.done {
		return 0
	}
	buf, _ := p.mr.br.Peek(p.mr.br.Buffered())
	room := len(b) - len(p.eol)
	if len(buf) == 0 || buf[0] == '-' || room <= 0 {
		return 0
	}
	buf = buf[:min(len(buf), room)]
	if k := bytes.Index(buf, []byte("\n-")); k >= 0 {
		buf = buf[:k+1]
	}
	end := bytes.LastIndexByte(buf, '\n') + 1
	if end == 0 {
		return 0
	}
	eol := 1
	if end >= 2 && buf[end-2] == '\r' {
		eol = 2
	}
	n := copy(b, p.eol)
	n += copy(b[n:], buf[:end-eol])
	p.eol = append(p.eol[:0], buf[end-eol:end]...)
	p.mr.br.Discard(end)
	return n
}

// lineBuffered tells whether the buffer holds a whole next line, which
// reading costs no wait for the source.
func (p *partReader) lineBuffered() bool {
	if p.done {
		return false
	}
	buf, _ := p.mr.br.Peek(p.mr.br.Buffered())
	return bytes.IndexByte(buf, '\n') >= 0
}

// nextLine reads the next line of the part into pending (the line end
// before it, its content; its own line end is held back, as it belongs
// to a delimiter that may follow); io.EOF at the part's end.
func (p *partReader) nextLine() error {
	for len(p.pending) == 0 {
		if p.done {
			return io.EOF
		}
		line, err := p.mr.br.ReadSlice('\n')
		if err != nil && err != bufio.ErrBufferFull && err != io.EOF {
			return err
		}
		if p.atStart && err != bufio.ErrBufferFull {
			if ok, closing := p.mr.delim(line); ok {
				p.done = true
				p.mr.closed = closing
				return io.EOF
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
	return nil
}
