package store_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	"github.com/wfehq/wfe/store/storetest"
)

func TestBlobBatch(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	b := st.NewBlobBatch()
	want := map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			content := fmt.Sprintf("blob %d", i%4) // each content twice
			sha, size, err := b.Put(ctx, strings.NewReader(content))
			if err != nil || size != int64(len(content)) {
				t.Errorf("put %q: %v (size %d)", content, err, size)
				return
			}
			mu.Lock()
			want[sha] = content
			mu.Unlock()
		}()
	}
	wg.Wait()
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	if len(want) != 4 {
		t.Fatalf("%d distinct blobs, want 4", len(want))
	}
	for sha, content := range want {
		// the same address PutBlob gives
		if got, _, err := st.PutBlob(ctx, strings.NewReader(content)); err != nil || got != sha {
			t.Errorf("PutBlob(%q) = %s, batch gave %s (%v)", content, got, sha, err)
		}
		rc, err := st.OpenBlob(sha)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		if string(data) != content {
			t.Errorf("blob %s holds %q, want %q", sha, data, content)
		}
	}
	if err := b.Sync(); err != nil {
		t.Errorf("second Sync: %v", err)
	}
}

// Before Sync a blob is readable through the batch only: a crash then
// leaves no file at its content address. Discard removes the temporary
// files.
func TestBlobBatchNothingAtAddressBeforeSync(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	b := st.NewBlobBatch()
	sha, _, err := b.Put(ctx, strings.NewReader("pending content"))
	if err != nil {
		t.Fatal(err)
	}
	if rc, err := st.OpenBlob(sha); err == nil {
		rc.Close()
		t.Fatalf("blob %s is at its address before Sync", sha)
	}
	f, err := b.Open(sha)
	if err != nil {
		t.Fatalf("open through the batch before Sync: %v", err)
	}
	data, _ := io.ReadAll(f)
	f.Close()
	if string(data) != "pending content" {
		t.Errorf("batch Open before Sync read %q", data)
	}
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	if rc, err := st.OpenBlob(sha); err != nil {
		t.Errorf("after Sync: %v", err)
	} else {
		rc.Close()
	}
	b2 := st.NewBlobBatch()
	third, _, err := b2.Put(ctx, strings.NewReader("never synced"))
	if err != nil {
		t.Fatal(err)
	}
	b2.Discard()
	if _, err := b2.Open(third); err == nil {
		t.Errorf("discarded blob %s still readable", third)
	}
	entries, err := os.ReadDir(st.BlobDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left in the blob directory", e.Name())
		}
	}
}

// A large blob is written in bounded pieces and read back whole.
func TestBlobBatchLarge(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	b := st.NewBlobBatch()
	const size = 3<<20 + 17
	sha, n, err := b.Put(ctx, io.LimitReader(byteReader('x'), size))
	if err != nil || n != size {
		t.Fatalf("put: %v (size %d)", err, n)
	}
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	rc, err := st.OpenBlob(sha)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := io.Copy(io.Discard, rc)
	if err != nil || got != size {
		t.Errorf("read back %d bytes (%v), want %d", got, err, size)
	}
}

// Blobs around the sizes of the buffers Put reads into (the small one,
// the pack limit) are stored whole, at the address PutBlob gives them.
func TestBlobBatchBufferSizes(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	b := st.NewBlobBatch()
	const small, pack = 32 << 10, 256 << 10
	want := map[string][]byte{}
	for i, size := range []int{small - 1, small, small + 1, small + 2, pack - 1, pack, pack + 1, pack + 2} {
		content := make([]byte, size)
		for k := range content {
			content[k] = byte(k*31 + i)
		}
		sha, n, err := b.Put(ctx, iotest.HalfReader(bytes.NewReader(content)))
		if err != nil || n != int64(size) {
			t.Fatalf("put %d bytes: %v (size %d)", size, err, n)
		}
		want[sha] = content
	}
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	for sha, content := range want {
		if got, _, err := st.PutBlob(ctx, bytes.NewReader(content)); err != nil || got != sha {
			t.Errorf("PutBlob of %d bytes = %s, batch gave %s (%v)", len(content), got, sha, err)
		}
		rc, err := st.OpenBlob(sha)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(data, content) {
			t.Errorf("blob of %d bytes read back as %d different bytes", len(content), len(data))
		}
	}
}

// byteReader is an endless stream of one byte, returned in small reads.
type byteReader byte

func (c byteReader) Read(p []byte) (int, error) {
	n := min(len(p), 100)
	for i := range n {
		p[i] = byte(c)
	}
	return n, nil
}
