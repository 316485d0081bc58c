package store

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
)

// blobDir is a content-addressed directory: <dir>/<sha[:2]>/<sha>.
type blobDir struct {
	dir   string
	fault func() error // WithBlobWriteFault
}

// BlobDir is the directory holding document contents.
func (s *Store) BlobDir() string { return s.blobs.dir }

func validSHA(sha string) bool {
	if len(sha) != 64 {
		return false
	}
	_, err := hex.DecodeString(sha)
	return err == nil && strings.ToLower(sha) == sha
}

// BlobPath is the file of the blob with the given SHA-256 (hex) when it has
// a file of its own (PutBlob, or larger than a pack takes); a packed blob
// has none (OpenBlob reads either).
func (s *Store) BlobPath(sha string) (string, error) {
	if !validSHA(sha) {
		return "", fmt.Errorf("blob %q: not a SHA-256 hex digest: %w", sha, ErrInvalid)
	}
	return filepath.Join(s.blobs.dir, sha[:2], sha), nil
}

// PutBlob streams r into a file of its own in the blob directory and
// returns its SHA-256 (hex) and size. The content is written to a temporary file, fsynced, renamed to
// its content address and the directory fsynced, so the blob is durable
// when PutBlob returns: commit the row that refers to it afterwards.
// Memory use does not depend on the size of r. To store many blobs, use a
// BlobBatch.
func (s *Store) PutBlob(ctx context.Context, r io.Reader) (sha string, size int64, err error) {
	b := s.NewBlobBatch()
	b.loose = true
	defer b.Discard()
	if sha, size, err = b.Put(ctx, r); err != nil {
		return "", 0, err
	}
	if err = b.Sync(); err != nil {
		return "", 0, err
	}
	return sha, size, nil
}

// OpenBlob opens the blob with the given SHA-256 for reading: its own
// file or its place in a pack.
func (s *Store) OpenBlob(sha string) (io.ReadCloser, error) {
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
		return nil, fmt.Errorf("blob %s: %w", sha, ErrNotFound)
	}
	return s.openPacked(e)
}

// blobBufSize is the unit in which blob contents are read, hashed and
// written: one write system call per 64 KiB whatever the reader returns.
const blobBufSize = 64 << 10

var blobBufs = sync.Pool{New: func() any { b := make([]byte, blobBufSize); return &b }}

// writeTemp streams r into a new temporary file in d (not fsynced) and
// returns its name, the SHA-256 (hex) and size of the content. On error
// no file is left behind.
func (d *blobDir) writeTemp(ctx context.Context, r io.Reader) (name, sha string, size int64, err error) {
	if err := os.MkdirAll(d.dir, 0o700); err != nil {
		return "", "", 0, fmt.Errorf("blob dir %s: %w", d.dir, err)
	}
	f, err := os.CreateTemp(d.dir, ".tmp-*")
	if err != nil {
		return "", "", 0, fmt.Errorf("blob dir %s: %w", d.dir, err)
	}
	name = f.Name()
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("write blob %s: %w", name, cerr)
		}
		if err != nil {
			os.Remove(name)
		}
	}()
	sha, size, err = d.copyHashed(ctx, r, func(p []byte) error { return d.write(f, p) })
	if err != nil {
		return "", "", 0, err
	}
	return name, sha, size, nil
}

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

// write writes p to f, failing as WithBlobWriteFault says.
func (d *blobDir) write(f *os.File, p []byte) error {
	if d.fault != nil {
		if err := d.fault(); err != nil {
			return &fs.PathError{Op: "write", Path: f.Name(), Err: err}
		}
	}
	_, err := f.Write(p)
	return err
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
