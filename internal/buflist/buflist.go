// Package buflist keeps the buffers that content is read into before it
// is known how long it is. Most content fits into a small buffer; a large
// one is taken only when the small one fills up, up to a limit beyond
// which the caller streams the rest. Each size has a free list of its own
// rather than a sync.Pool, which every garbage collection empties (most
// reads would then allocate and clear a new buffer); the large buffers
// exist only once long content came by. Small buffers for the common case
// keep the heap, and with it the garbage collector's target, smaller than
// buffers of the limit for every read.
package buflist

import (
	"context"
	"io"
)

// Lists are the free lists of one use.
type Lists struct {
	small, large int
	smallBufs    chan []byte
	largeBufs    chan []byte
}

// New returns free lists of buffers of small and large bytes (each one
// byte longer, to tell content of exactly that length from longer
// content), keeping at most keep free buffers of each size.
func New(small, large, keep int) *Lists {
	return &Lists{small: small, large: large, smallBufs: make(chan []byte, keep), largeBufs: make(chan []byte, keep)}
}

func (l *Lists) get(size int) []byte {
	list := l.smallBufs
	if size > l.small {
		list = l.largeBufs
	}
	select {
	case b := <-list:
		return b
	default:
		return make([]byte, size+1)
	}
}

// Put puts a buffer returned by Read back on its free list.
func (l *Lists) Put(b []byte) {
	list := l.smallBufs
	if len(b) > l.small+1 {
		list = l.largeBufs
	}
	select {
	case list <- b:
	default:
	}
}

// Read reads r into a buffer until r ends (complete) or the buffer of the
// large size is full. buf[:n] holds what was read: all of r when
// complete, else its first large+1 bytes. The caller gives buf back with
// Put. ctx is checked before each read.
func (l *Lists) Read(ctx context.Context, r io.Reader) (buf []byte, n int, complete bool, err error) {
	buf = l.get(l.small)
	n, complete, err = readAtMost(ctx, r, buf)
	if complete || err != nil {
		return buf, n, complete, err
	}
	large := l.get(l.large)
	copy(large, buf[:n])
	l.Put(buf)
	k, complete, err := readAtMost(ctx, r, large[n:])
	return large, n + k, complete, err
}

// readAtMost reads r into buf until r ends (complete) or buf is full.
func readAtMost(ctx context.Context, r io.Reader, buf []byte) (n int, complete bool, err error) {
	for n < len(buf) {
		if err := ctx.Err(); err != nil {
			return n, false, err
		}
		k, err := r.Read(buf[n:])
		n += k
		if err == io.EOF {
			return n, true, nil
		}
		if err != nil {
			return n, false, err
		}
	}
	return n, false, nil
}
