package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
)

// BlobBatch stores many blobs with few fsyncs (an importer stores every
// message this way). Put writes a blob's content into a temporary file of
// the blob directory; Sync makes all of them durable in one step, renames
// them to their content addresses and fsyncs each touched directory once.
// Before Sync a blob is readable through Open only; after Sync it is
// durable at its address: commit the rows that refer to it afterwards.
//
// A file at a content address is therefore always complete and durable:
// a crash before Sync leaves only temporary files, never a truncated blob
// at an address a later Put would take for the same content.
// Safe for concurrent use.
type BlobBatch struct {
	s       *Store
	mu      sync.Mutex
	pending map[string]string // SHA-256 -> temporary file, not yet durable
	dirs    map[string]bool   // directories whose entries Sync must make durable
}

// NewBlobBatch starts a batch of blob writes.
func (s *Store) NewBlobBatch() *BlobBatch {
	return &BlobBatch{s: s, pending: map[string]string{}, dirs: map[string]bool{}}
}

// Put streams r into a temporary file of the blob directory and returns
// the content's SHA-256 (hex) and size. Memory use does not depend on the
// size of r.
func (b *BlobBatch) Put(ctx context.Context, r io.Reader) (sha string, size int64, err error) {
	tmp, sha, size, err := b.s.blobs.writeTemp(ctx, r)
	if err != nil {
		return "", 0, err
	}
	final, _ := b.s.BlobPath(sha)
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.pending[sha]; ok {
		os.Remove(tmp)
		return sha, size, nil
	}
	if _, statErr := os.Stat(final); statErr == nil {
		// stored before; its directory entry may come from a batch that
		// has not synced its directories yet
		os.Remove(tmp)
		b.dirs[filepath.Dir(final)] = true
		return sha, size, nil
	}
	b.pending[sha] = tmp
	return sha, size, nil
}

// Open opens a blob Put into this batch (before or after Sync) or stored
// before.
func (b *BlobBatch) Open(sha string) (*os.File, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if tmp, ok := b.pending[sha]; ok {
		return os.Open(tmp)
	}
	p, err := b.s.BlobPath(sha)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("blob %s: %w", sha, ErrNotFound)
	}
	return f, err
}

// Sync makes every blob Put so far durable at its content address: the
// temporary files are fsynced, renamed into place and the touched
// directories fsynced.
func (b *BlobBatch) Sync() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.pending) == 0 && len(b.dirs) == 0 {
		return nil
	}
	tmps := make([]string, 0, len(b.pending))
	for _, tmp := range b.pending {
		tmps = append(tmps, tmp)
	}
	if err := syncFiles(b.s.blobs.dir, tmps); err != nil {
		return fmt.Errorf("sync blobs in %s: %w", b.s.blobs.dir, err)
	}
	for sha, tmp := range b.pending {
		final, _ := b.s.BlobPath(sha)
		sub := filepath.Dir(final)
		if !b.dirs[sub] {
			if err := os.MkdirAll(sub, 0o700); err != nil {
				return fmt.Errorf("blob dir %s: %w", sub, err)
			}
			b.dirs[sub] = true
		}
		if err := os.Rename(tmp, final); err != nil {
			return fmt.Errorf("store blob %s: %w", sha, err)
		}
		delete(b.pending, sha)
	}
	b.dirs[b.s.blobs.dir] = true // new subdirectories
	dirs := make([]string, 0, len(b.dirs))
	for d := range b.dirs {
		dirs = append(dirs, d)
	}
	if err := syncFiles(b.s.blobs.dir, dirs); err != nil {
		return fmt.Errorf("sync blob dirs in %s: %w", b.s.blobs.dir, err)
	}
	clear(b.dirs)
	return nil
}

// Discard removes the temporary files of blobs not synced yet (a batch
// given up). Blobs already synced stay.
func (b *BlobBatch) Discard() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for sha, tmp := range b.pending {
		os.Remove(tmp)
		delete(b.pending, sha)
	}
	clear(b.dirs)
}

// syncFiles fsyncs the files, several at a time: the file system can
// write them out together.
func syncFiles(dir string, names []string) error {
	if len(names) == 1 {
		return syncPath(names[0])
	}
	workers := min(len(names), max(4, 2*runtime.GOMAXPROCS(0)))
	work := make(chan string)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for name := range work {
				if err := syncPath(name); err != nil && errs[i] == nil {
					errs[i] = err
				}
			}
		}()
	}
	for _, name := range names {
		work <- name
	}
	close(work)
	wg.Wait()
	return errors.Join(errs...)
}
