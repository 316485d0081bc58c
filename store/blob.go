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
)

// blobDir is a content-addressed directory: <dir>/<sha[:2]>/<sha>.
type blobDir struct{ dir string }

// BlobDir is the directory holding document contents.
func (s *Store) BlobDir() string { return s.blobs.dir }

func validSHA(sha string) bool {
	if len(sha) != 64 {
		return false
	}
	_, err := hex.DecodeString(sha)
	return err == nil && strings.ToLower(sha) == sha
}

// BlobPath is the file of the blob with the given SHA-256 (hex).
func (s *Store) BlobPath(sha string) (string, error) {
	if !validSHA(sha) {
		return "", fmt.Errorf("blob %q: not a SHA-256 hex digest: %w", sha, ErrInvalid)
	}
	return filepath.Join(s.blobs.dir, sha[:2], sha), nil
}

// PutBlob streams r into the blob directory and returns its SHA-256 (hex)
// and size. The content is written to a temporary file, fsynced, renamed to
// its content address and the directory fsynced, so the blob is durable
// when PutBlob returns: commit the row that refers to it afterwards.
// Memory use does not depend on the size of r.
func (s *Store) PutBlob(ctx context.Context, r io.Reader) (sha string, size int64, err error) {
	if err := os.MkdirAll(s.blobs.dir, 0o700); err != nil {
		return "", 0, fmt.Errorf("blob dir %s: %w", s.blobs.dir, err)
	}
	tmp, err := os.CreateTemp(s.blobs.dir, ".tmp-*")
	if err != nil {
		return "", 0, fmt.Errorf("blob dir %s: %w", s.blobs.dir, err)
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()
	h := sha256.New()
	size, err = io.Copy(io.MultiWriter(tmp, h), ctxReader{ctx, r})
	if err != nil {
		return "", 0, fmt.Errorf("write blob: %w", err)
	}
	if err = tmp.Sync(); err != nil {
		return "", 0, fmt.Errorf("write blob %s: %w", tmpName, err)
	}
	if err = tmp.Close(); err != nil {
		return "", 0, fmt.Errorf("write blob %s: %w", tmpName, err)
	}
	sha = hex.EncodeToString(h.Sum(nil))
	final, _ := s.BlobPath(sha)
	sub := filepath.Dir(final)
	if err = os.MkdirAll(sub, 0o700); err != nil {
		return "", 0, fmt.Errorf("blob dir %s: %w", sub, err)
	}
	if _, statErr := os.Stat(final); statErr == nil {
		// same content already stored
		os.Remove(tmpName)
		return sha, size, nil
	}
	if err = os.Rename(tmpName, final); err != nil {
		return "", 0, fmt.Errorf("store blob %s: %w", sha, err)
	}
	if err = syncDir(sub); err != nil {
		return "", 0, fmt.Errorf("store blob %s: %w", sha, err)
	}
	if err = syncDir(s.blobs.dir); err != nil {
		return "", 0, fmt.Errorf("store blob %s: %w", sha, err)
	}
	return sha, size, nil
}

// OpenBlob opens the blob with the given SHA-256 for reading.
func (s *Store) OpenBlob(sha string) (io.ReadCloser, error) {
	p, err := s.BlobPath(sha)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("blob %s: %w", sha, ErrNotFound)
	}
	return f, err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// ctxReader stops a long copy when ctx is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
