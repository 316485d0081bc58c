package blobs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"gorm.io/gorm"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/wfehq/wfe/internal/buflist"
)

// BlobBatch stores many blobs with few files and fsyncs (an importer
// stores every message this way). Put appends a blob of at most packMax
// bytes to the batch's pack file (blob_pack.go) and streams a larger one
// into a second pack of the batch, for large blobs, so that a batch
// creates at most two files whatever it stores. Sync makes all of them
// durable in one step: it fsyncs the packs and their directory and then
// records the packed blobs in the database. Before Sync a blob is readable
// through Open only; after Sync it is durable and OpenBlob finds it:
// commit the rows that refer to it afterwards.
//
// A blob is therefore found at its address only when it is complete and
// durable: a crash before Sync leaves an unreferenced pack, never a
// truncated blob a later Put would take for the same content.
// Safe for concurrent use.
type BlobBatch struct {
	s *Repo

	mu      sync.Mutex
	small   *packFile            // pack of blobs up to packMax; nil until the first
	large   *packFile            // pack of larger blobs; nil until the first
	packed  map[string]packEntry // blobs in the packs (synced or not)
	toIndex []packEntry          // packed blobs Sync has not recorded yet

	// largeMu is held while a large blob streams into the large pack:
	// one at a time, each appended at the end.
	largeMu sync.Mutex

	// background is the Sync started by StartSync, nil when none is
	// under way. StartSync and Sync/Discard must not run concurrently.
	background chan error
}

// NewBlobBatch starts a batch of blob writes.
func (s *Repo) NewBlobBatch() *BlobBatch {
	return &BlobBatch{s: s, packed: map[string]packEntry{}}
}

// A blob is held in memory while Put decides whether it fits into the
// pack: most blobs (mail attachments) fit the small buffers of packSmall
// bytes, larger ones are read on into buffers of packMax bytes.
const packSmall = 32 << 10

var packBufs = buflist.New(packSmall, packMax, 4)

// Put stores the content of r and returns its SHA-256 (hex) and size.
// Memory use does not depend on the size of r: up to packMax bytes are
// held while hashing, anything larger is streamed.
func (b *BlobBatch) Put(ctx context.Context, r io.Reader) (sha string, size int64, err error) {
	return b.put(ctx, r, true)
}

// PutFresh is Put for content that is almost always new, such as a
// fetched raw message (the import ledger finds repeated messages by their
// content hash): it is not looked up among the blobs packed by earlier
// batches, which saves a database query per blob. Content packed before
// is then packed again; the index keeps its first place and the new copy
// is unreferenced bytes of this batch's pack.
func (b *BlobBatch) PutFresh(ctx context.Context, r io.Reader) (sha string, size int64, err error) {
	return b.put(ctx, r, false)
}

func (b *BlobBatch) put(ctx context.Context, r io.Reader, lookup bool) (sha string, size int64, err error) {
	buf, n, _, err := packBufs.Read(ctx, r)
	defer packBufs.Put(buf)
	if err != nil {
		return "", 0, fmt.Errorf("write blob: %w", err)
	}
	if n > packMax {
		return b.putLarge(ctx, io.MultiReader(bytes.NewReader(buf[:n]), r), lookup)
	}
	sha, err = b.putSmall(ctx, buf[:n], lookup)
	return sha, int64(n), err
}

// PutFreshBytes is PutFresh for content the caller holds in memory: it is
// not copied before it is written.
func (b *BlobBatch) PutFreshBytes(ctx context.Context, data []byte) (sha string, err error) {
	if len(data) > packMax {
		sha, _, err = b.put(ctx, bytes.NewReader(data), false)
		return sha, err
	}
	return b.putSmall(ctx, data, false)
}

// putSmall appends data (at most packMax bytes) to the small pack.
func (b *BlobBatch) putSmall(ctx context.Context, data []byte, lookup bool) (sha string, err error) {
	n := len(data)
	sum := sha256.Sum256(data)
	sha = hex.EncodeToString(sum[:])
	if b.known(sha) {
		return sha, nil
	}
	if lookup {
		stored, err := b.storedBefore(ctx, sha)
		if err != nil {
			return "", err
		}
		if stored {
			return sha, nil
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.packed[sha]; ok {
		return sha, nil
	}
	if b.small == nil {
		if b.small, err = b.s.blobs.createPack(b.s.db.Now()); err != nil {
			return "", err
		}
	}
	off, err := b.small.append(b.s.blobs, data)
	if err != nil {
		return "", fmt.Errorf("write blob in %s: %w", b.s.blobs.dir, err)
	}
	b.register(packEntry{SHA256: sha, Pack: b.small.name, PackOffset: off, Size: int64(n)})
	return sha, nil
}

// register records a blob appended to a pack (b.mu held).
func (b *BlobBatch) register(e packEntry) {
	b.packed[e.SHA256] = e
	b.toIndex = append(b.toIndex, e)
}

// putLarge streams r to the end of the large pack, hashing it. Only a
// complete blob moves the pack's end past it: a failed or repeated one is
// overwritten by the next.
func (b *BlobBatch) putLarge(ctx context.Context, r io.Reader, lookup bool) (sha string, size int64, err error) {
	b.largeMu.Lock()
	defer b.largeMu.Unlock()
	b.mu.Lock()
	p := b.large
	if p == nil {
		if p, err = b.s.blobs.createPack(b.s.db.Now()); err != nil {
			b.mu.Unlock()
			return "", 0, err
		}
		b.large = p
	}
	start := p.size
	b.mu.Unlock()

	sha, size, err = b.s.blobs.copyHashed(ctx, r, func(data []byte) error {
		err := p.writeAt(b.s.blobs, data, start+size)
		size += int64(len(data))
		return err
	})
	if err != nil {
		return "", 0, err
	}
	if b.known(sha) {
		return sha, size, nil
	}
	if lookup {
		stored, err := b.storedBefore(ctx, sha)
		if err != nil || stored {
			return sha, size, err
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	p.size = start + size
	b.register(packEntry{SHA256: sha, Pack: p.name, PackOffset: start, Size: size})
	return sha, size, nil
}

// known reports whether this batch holds sha already.
func (b *BlobBatch) known(sha string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	_, ok := b.packed[sha]
	return ok
}

// storedBefore reports whether sha is stored already: packed, or in a
// file of its own (written by wfe before blobs were packed).
func (b *BlobBatch) storedBefore(ctx context.Context, sha string) (bool, error) {
	final, _ := b.s.BlobPath(sha)
	if _, err := os.Stat(final); err == nil {
		return true, nil
	}
	_, ok, err := b.s.packedBlob(ctx, sha)
	return ok, err
}

// Open opens a blob Put into this batch (before or after Sync) or stored
// before.
func (b *BlobBatch) Open(sha string) (io.ReadCloser, error) {
	b.mu.Lock()
	e, isPacked := b.packed[sha]
	b.mu.Unlock()
	if isPacked {
		return openSection(b.s.packPath(e.Pack), e)
	}
	return b.s.OpenBlob(sha)
}

// StartSync starts writing the content of the blobs Put so far to disk
// (the fsyncs, the slow part of Sync) on its own goroutine and returns at
// once, so that the disk works while the caller goes on (an importer
// starts it when a batch is fetched and commits the batch later). Nothing
// becomes findable: that is still Sync's work, and a batch discarded
// instead leaves nothing behind. The next Sync waits for it and returns
// its error; Discard waits for it too. Put must not be called until then.
func (b *BlobBatch) StartSync() {
	if b.background != nil {
		return
	}
	done := make(chan error, 1)
	b.background = done
	go func() { done <- b.syncContent() }()
}

// waitBackground waits for a Sync started by StartSync.
func (b *BlobBatch) waitBackground() error {
	if b.background == nil {
		return nil
	}
	err := <-b.background
	b.background = nil
	return err
}

// Sync makes every blob Put so far durable and findable at its content
// address: the packs and their directory entries are fsynced and the
// packed blobs recorded in the database.
func (b *BlobBatch) Sync() error {
	if err := b.waitBackground(); err != nil {
		return err
	}
	return b.sync()
}

// syncContent fsyncs the content written so far (the packs and their
// directory entries) without making any of it findable: a batch discarded
// afterwards still leaves nothing behind.
func (b *BlobBatch) syncContent() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.syncContentLocked()
}

func (b *BlobBatch) syncContentLocked() error {
	var files []string
	for _, p := range b.packs() {
		if p.size > p.fsynced {
			files = append(files, p.path)
		}
	}
	if err := syncFiles(b.s.blobs.dir, files); err != nil {
		return fmt.Errorf("sync blobs in %s: %w", b.s.blobs.dir, err)
	}
	// the packs' directory entries (and packs/ itself when new): an
	// unreferenced pack is no harm, so this need not wait for Sync
	dirs := map[string]bool{}
	for _, p := range b.packs() {
		p.fsynced = p.size
		if p.newEntry {
			for _, d := range p.syncDirs {
				dirs[d] = true
			}
		}
	}
	var names []string
	for d := range dirs {
		names = append(names, d)
	}
	if err := syncFiles(b.s.blobs.dir, names); err != nil {
		return fmt.Errorf("sync blob dirs in %s: %w", b.s.blobs.dir, err)
	}
	for _, p := range b.packs() {
		p.newEntry = false
	}
	return nil
}

// packs are the batch's pack files (b.mu held).
func (b *BlobBatch) packs() []*packFile {
	var ps []*packFile
	for _, p := range []*packFile{b.small, b.large} {
		if p != nil {
			ps = append(ps, p)
		}
	}
	return ps
}

func (b *BlobBatch) sync() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.toIndex) == 0 {
		return nil
	}
	if err := b.syncContentLocked(); err != nil {
		return err
	}
	if err := b.s.indexPacked(context.Background(), b.toIndex); err != nil {
		return fmt.Errorf("record packed blobs in %s: %w", filepath.Join(b.s.blobs.dir, packDirName), err)
	}
	b.recordedLocked()
	return nil
}

// recordedLocked notes that the blobs to index are recorded (b.mu held).
func (b *BlobBatch) recordedLocked() {
	for _, p := range b.packs() {
		p.recorded = p.size
		p.indexed = p.indexed || p.size > 0
	}
	b.toIndex = nil
}

// RecordIn and SyncContent are Sync within tx, the transaction that
// commits the rows which refer to the batch's blobs. RecordIn records the
// blobs Put so far in tx (first, so that tx finds them); SyncContent,
// called last in tx, waits until their content is durable (the fsync
// StartSync began, or one of its own). So tx's commit makes nothing
// findable that is not on disk, and the disk writes the content out while
// tx inserts its rows. No Put may come between RecordIn and Synced, which
// is called once tx committed; if tx rolls back, discard the batch.
func (b *BlobBatch) RecordIn(tx *gorm.DB) error {
	b.mu.Lock()
	entries := b.toIndex
	b.mu.Unlock()
	if err := insertPackEntries(tx, entries); err != nil {
		return fmt.Errorf("record packed blobs in %s: %w", filepath.Join(b.s.blobs.dir, packDirName), err)
	}
	return nil
}

// SyncContent waits until the content of every blob Put so far is on
// disk (see RecordIn).
func (b *BlobBatch) SyncContent() error {
	if err := b.waitBackground(); err != nil {
		return err
	}
	return b.syncContent()
}

// Synced tells the batch that the transaction RecordIn recorded its
// blobs in has committed.
func (b *BlobBatch) Synced() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.recordedLocked()
}

// Discard ends the batch: it closes the packs (a pack none of whose blobs
// was synced is removed). Blobs already synced stay.
func (b *BlobBatch) Discard() {
	b.waitBackground()
	b.largeMu.Lock() // no large blob is being written
	defer b.largeMu.Unlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.packs() {
		p.close()
		b.s.blobs.release(p.name)
	}
	b.small, b.large = nil, nil
	clear(b.packed)
	b.toIndex = nil
}

// syncFiles fsyncs the files, several at a time: the file system can
// write them out together.
func syncFiles(dir string, names []string) error {
	if len(names) == 0 {
		return nil
	}
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
