package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// BlobBatch stores blobs like PutBlob but leaves the directory fsyncs to
// Sync: n blobs cost n file fsyncs and one fsync per touched directory
// instead of 2n directory fsyncs (an importer stores every message this
// way). A blob of the batch is durable only when Sync has returned: commit
// the rows that refer to it afterwards. Safe for concurrent use.
type BlobBatch struct {
	s    *Store
	mu   sync.Mutex
	dirs map[string]bool
}

// NewBlobBatch starts a batch of blob writes.
func (s *Store) NewBlobBatch() *BlobBatch { return &BlobBatch{s: s, dirs: map[string]bool{}} }

// Put streams r into the blob directory (content written and fsynced,
// renamed to its content address) and returns its SHA-256 (hex) and size.
func (b *BlobBatch) Put(ctx context.Context, r io.Reader) (sha string, size int64, err error) {
	root := b.s.blobs.dir
	if err := os.MkdirAll(root, 0o700); err != nil {
		return "", 0, fmt.Errorf("blob dir %s: %w", root, err)
	}
	tmp, err := os.CreateTemp(root, ".tmp-*")
	if err != nil {
		return "", 0, fmt.Errorf("blob dir %s: %w", root, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	if size, err = io.Copy(io.MultiWriter(tmp, h), ctxReader{ctx, r}); err != nil {
		return "", 0, fmt.Errorf("write blob: %w", err)
	}
	if err = tmp.Sync(); err == nil {
		err = tmp.Close()
	}
	if err != nil {
		return "", 0, fmt.Errorf("write blob %s: %w", tmp.Name(), err)
	}
	sha = hex.EncodeToString(h.Sum(nil))
	final, _ := b.s.BlobPath(sha)
	sub := filepath.Dir(final)
	if err = os.MkdirAll(sub, 0o700); err != nil {
		return "", 0, fmt.Errorf("blob dir %s: %w", sub, err)
	}
	// also when the content is there already: its directory entry may
	// come from a batch that has not synced yet
	b.mu.Lock()
	b.dirs[sub] = true
	b.mu.Unlock()
	if _, statErr := os.Stat(final); statErr == nil {
		os.Remove(tmp.Name())
		return sha, size, nil
	}
	if err = os.Rename(tmp.Name(), final); err != nil {
		return "", 0, fmt.Errorf("store blob %s: %w", sha, err)
	}
	return sha, size, nil
}

// Sync makes every blob Put so far durable (fsyncs the touched
// directories and the blob root).
func (b *BlobBatch) Sync() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.dirs) == 0 {
		return nil
	}
	for d := range b.dirs {
		if err := syncDir(d); err != nil {
			return fmt.Errorf("sync blob dir %s: %w", d, err)
		}
	}
	if err := syncDir(b.s.blobs.dir); err != nil {
		return fmt.Errorf("sync blob dir %s: %w", b.s.blobs.dir, err)
	}
	clear(b.dirs)
	return nil
}
