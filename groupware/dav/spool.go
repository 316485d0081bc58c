package dav

import (
	"bytes"
	"io"
	"os"
)

// spoolLimit is how much of a card is kept in memory before the rest goes
// to a temporary file.
const spoolLimit = 1 << 20

// spool holds a request body of unknown size: in memory while small, in a
// temporary file beyond spoolLimit, so a card with a large photo is never
// held whole. Servers such as Radicale want a Content-Length, so the body
// cannot simply be streamed.
type spool struct {
	mem  bytes.Buffer
	file *os.File
	size int64
}

func (s *spool) Write(p []byte) (int, error) {
	s.size += int64(len(p))
	if s.file == nil && s.mem.Len()+len(p) <= spoolLimit {
		return s.mem.Write(p)
	}
	if s.file == nil {
		f, err := os.CreateTemp("", "wfe-card-*.vcf")
		if err != nil {
			return 0, err
		}
		s.file = f
		if _, err := f.Write(s.mem.Bytes()); err != nil {
			return 0, err
		}
		s.mem = bytes.Buffer{}
	}
	return s.file.Write(p)
}

// reader returns a fresh reader of everything written.
func (s *spool) reader() io.ReadCloser {
	if s.file == nil {
		return io.NopCloser(bytes.NewReader(s.mem.Bytes()))
	}
	return io.NopCloser(io.NewSectionReader(s.file, 0, s.size))
}

// Close removes the temporary file, if there is one.
func (s *spool) Close() error {
	if s.file == nil {
		return nil
	}
	name := s.file.Name()
	s.file.Close()
	return os.Remove(name)
}
