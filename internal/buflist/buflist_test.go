package buflist

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"testing/iotest"
)

// Read fills the small buffer, moves on to the large one when the small
// one fills up, and says whether the content ended within the large
// size; content sizes around both buffers' ends.
func TestReadSizes(t *testing.T) {
	const small, large = 1 << 10, 8 << 10
	l := New(small, large, 2)
	for _, size := range []int{0, 1, small - 1, small, small + 1, small + 2, large - 1, large, large + 1, large + 2, 3 * large} {
		content := make([]byte, size)
		for i := range content {
			content[i] = byte(i*7 + i/251)
		}
		buf, n, complete, err := l.Read(context.Background(), iotest.HalfReader(bytes.NewReader(content)))
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		wantN := min(size, large+1)
		if n != wantN || complete != (size <= large) {
			t.Errorf("size %d: read %d bytes, complete %v; want %d, %v", size, n, complete, wantN, size <= large)
		}
		if !bytes.Equal(buf[:n], content[:wantN]) {
			t.Errorf("size %d: the bytes read differ from the content", size)
		}
		if (len(buf) > small+1) != (size > small) {
			t.Errorf("size %d: buffer of %d bytes", size, len(buf))
		}
		l.Put(buf)
	}
}

func TestReadCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, _, err := New(16, 64, 1).Read(ctx, bytes.NewReader(make([]byte, 100)))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}
