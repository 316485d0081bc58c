package blobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/wfehq/wfe/store/internal/sqldb"
)

// blobDir is a content-addressed directory: <dir>/<sha[:2]>/<sha>.
type blobDir struct {
	dir   string
	fault func(data []byte) error // WithBlobWriteFault

	// live holds the packs of this process's batches from their creation
	// until the batch is discarded: garbage collection never removes them.
	liveMu sync.Mutex
	live   map[string]bool
}

// hold marks a pack as written by a live batch.
func (d *blobDir) hold(name string) {
	d.liveMu.Lock()
	defer d.liveMu.Unlock()
	if d.live == nil {
		d.live = map[string]bool{}
	}
	d.live[name] = true
}

// release ends hold when the batch is discarded.
func (d *blobDir) release(name string) {
	d.liveMu.Lock()
	defer d.liveMu.Unlock()
	delete(d.live, name)
}

// isLive reports whether a live batch of this process writes the pack.
func (d *blobDir) isLive(name string) bool {
	d.liveMu.Lock()
	defer d.liveMu.Unlock()
	return d.live[name]
}

// BlobDir is the directory holding document contents.
func (s *Repo) BlobDir() string { return s.blobs.dir }

// ValidSHA reports whether sha is a SHA-256 hex digest, the address of a blob.
func ValidSHA(sha string) bool {
	if len(sha) != 64 {
		return false
	}
	_, err := hex.DecodeString(sha)
	return err == nil && strings.ToLower(sha) == sha
}

// BlobPath is where a blob with the given SHA-256 (hex) has a file of its
// own: blobs written by wfe before blobs were packed. OpenBlob reads those
// and packed blobs alike.
func (s *Repo) BlobPath(sha string) (string, error) {
	if !ValidSHA(sha) {
		return "", fmt.Errorf("blob %q: not a SHA-256 hex digest: %w", sha, sqldb.ErrInvalid)
	}
	return filepath.Join(s.blobs.dir, sha[:2], sha), nil
}

// PutBlob stores one blob, as a BlobBatch of its own, and returns its
// SHA-256 (hex) and size. The blob is durable and findable when PutBlob
// returns: commit the row that refers to it afterwards. Memory use does not
// depend on the size of r. To store many blobs, use a BlobBatch: each
// batch writes its own pack files.
func (s *Repo) PutBlob(ctx context.Context, r io.Reader) (sha string, size int64, err error) {
	b := s.NewBlobBatch()
	defer b.Discard()
	if sha, size, err = b.Put(ctx, r); err != nil {
		return "", 0, err
	}
	if err = b.Sync(); err != nil {
		return "", 0, err
	}
	return sha, size, nil
}

// BlobFile names the file that holds the blob with the given SHA-256: its
// own file (from an earlier wfe) or the pack it lies in.
func (s *Repo) BlobFile(ctx context.Context, sha string) (string, error) {
	p, err := s.BlobPath(sha)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	e, ok, err := s.packedBlob(ctx, sha)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("blob %s: %w", sha, sqldb.ErrNotFound)
	}
	return s.packPath(e.Pack), nil
}

// packPath is the file of a pack named relative to packs/.
func (s *Repo) packPath(name string) string {
	return filepath.Join(s.blobs.dir, packDirName, filepath.FromSlash(name))
}

// OpenBlob opens the blob with the given SHA-256 for reading: its own
// file or its place in a pack.
func (s *Repo) OpenBlob(sha string) (io.ReadCloser, error) {
	p, err := s.BlobPath(sha)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if !errors.Is(err, fs.ErrNotExist) {
		return f, err
	}
	e, ok, err := s.packedBlob(context.Background(), sha)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("blob %s: %w", sha, sqldb.ErrNotFound)
	}
	return s.openPacked(e)
}

// blobBufSize is the unit in which blob contents are read, hashed and
// written: one write system call per 64 KiB whatever the reader returns.
const blobBufSize = 64 << 10

var blobBufs = sync.Pool{New: func() any { b := make([]byte, blobBufSize); return &b }}

// copyHashed streams r to write in blobBufSize pieces and returns the
// SHA-256 (hex) and size of what it wrote.
func (d *blobDir) copyHashed(ctx context.Context, r io.Reader, write func([]byte) error) (sha string, size int64, err error) {
	bp := blobBufs.Get().(*[]byte)
	defer blobBufs.Put(bp)
	buf := *bp
	h := sha256.New()
	for {
		if err := ctx.Err(); err != nil {
			return "", 0, fmt.Errorf("write blob: %w", err)
		}
		n, rerr := io.ReadFull(r, buf)
		if n > 0 {
			h.Write(buf[:n])
			if err := write(buf[:n]); err != nil {
				return "", 0, fmt.Errorf("write blob in %s: %w", d.dir, err)
			}
			size += int64(n)
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			return "", 0, fmt.Errorf("write blob: %w", rerr)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), size, nil
}

// syncPath fsyncs a file or directory.
func syncPath(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
