package store_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"wfe/store/storetest"
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
