package mailparse

import (
	"bufio"
	"bytes"
	"io"
	"sync"
)

// Parsing a mail needs a few read buffers (16 KiB for the message, 8 KiB
// per multipart body, 4 KiB per part header) and a buffer for each text
// body. They are reused across parses: an import parses thousands of mails
// and would otherwise allocate (and collect) several times their size.
var (
	readers16K = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 16<<10) }}
	readers8K  = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 8<<10) }}
	readers4K  = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 4096) }}
	textBufs   = sync.Pool{New: func() any { return new(bytes.Buffer) }}
)

// getReader returns a reader of pool, reading r.
func getReader(pool *sync.Pool, r io.Reader) *bufio.Reader {
	br := pool.Get().(*bufio.Reader)
	br.Reset(r)
	return br
}

// putReader returns br to pool; nothing may read br or hold its bytes
// afterwards.
func putReader(pool *sync.Pool, br *bufio.Reader) {
	br.Reset(nil)
	pool.Put(br)
}

// maxPooledText is the largest text buffer kept for reuse (a rare huge
// body does not stay in memory).
const maxPooledText = 256 << 10

// readAllPooled reads r to its end into a pooled buffer; release returns
// it, after which data must not be used.
func readAllPooled(r io.Reader) (data []byte, release func(), err error) {
	b := textBufs.Get().(*bytes.Buffer)
	b.Reset()
	_, err = b.ReadFrom(r)
	return b.Bytes(), func() {
		if b.Cap() <= maxPooledText {
			textBufs.Put(b)
		}
	}, err
}

// base64Readers are reused across parts as the read buffers are: a reader
// carries 16 KiB of buffers, and in a typical import every third mail has
// a base64 part (a tenth of what an import allocated).
var base64Readers = sync.Pool{New: func() any { return new(base64Reader) }}

// newBase64Reader returns a pooled base64Reader reading r.
func newBase64Reader(r io.Reader) *base64Reader {
	b := base64Readers.Get().(*base64Reader)
	b.r, b.nin, b.nq, b.out, b.err, b.Invalid = r, 0, 0, nil, nil, 0
	return b
}

// putBase64Reader returns b (nil: none) to the pool; nothing may read b,
// or a reader wrapping it, afterwards.
func putBase64Reader(b *base64Reader) {
	if b == nil {
		return
	}
	b.r, b.out, b.err = nil, nil, nil
	base64Readers.Put(b)
}
