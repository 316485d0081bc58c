package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"sort"
)

// BlobProblem is a blob a document or the import ledger refers to that
// cannot be read back as it was stored.
type BlobProblem struct {
	SHA256  string `json:"sha256"`
	Problem string `json:"problem"`
}

// BlobCheck is what CheckBlobs found.
type BlobCheck struct {
	Checked  int           `json:"checked"` // distinct blobs referred to
	Bytes    int64         `json:"bytes"`   // read and hashed
	Problems []BlobProblem `json:"problems"`
	// UnreferencedPacks are pack files (relative to packs/) no recorded
	// blob lies in: left by an import cut short before its blobs were
	// recorded, or written by an import running now. They hold nothing a
	// document refers to.
	UnreferencedPacks []string `json:"unreferenced_packs"`
	UnreferencedBytes int64    `json:"unreferenced_bytes"`
	// UnreferencedBlobs are recorded packed blobs no document or ledger
	// row refers to (a batch whose commit failed after its blobs were
	// recorded), with their bytes.
	UnreferencedBlobs     int   `json:"unreferenced_blobs"`
	UnreferencedBlobBytes int64 `json:"unreferenced_blob_bytes"`
}

// CheckBlobs reads every blob a document or an import ledger row refers
// to and compares its content with its SHA-256, and lists the pack files
// nothing refers to. It changes nothing.
func (s *Store) CheckBlobs(ctx context.Context) (*BlobCheck, error) {
	out := &BlobCheck{Problems: []BlobProblem{}, UnreferencedPacks: []string{}}
	var keys []string
	err := s.db.WithContext(ctx).Raw(`SELECT blob_key FROM document WHERE blob_key <> ''
		UNION SELECT raw_blob FROM import_ledger WHERE raw_blob <> ''`).Scan(&keys).Error
	if err != nil {
		return nil, fmt.Errorf("check blobs: %w", err)
	}
	sort.Strings(keys)
	for _, sha := range keys {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out.Checked++
		n, problem := s.checkBlob(sha)
		out.Bytes += n
		if problem != "" {
			out.Problems = append(out.Problems, BlobProblem{SHA256: sha, Problem: problem})
		}
	}
	var orphans struct {
		N     int
		Bytes int64
	}
	err = s.db.WithContext(ctx).Raw(`SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS bytes FROM blob_pack_entry
		WHERE sha256 NOT IN (SELECT blob_key FROM document UNION SELECT raw_blob FROM import_ledger)`).Scan(&orphans).Error
	if err != nil {
		return nil, fmt.Errorf("check blobs: %w", err)
	}
	out.UnreferencedBlobs, out.UnreferencedBlobBytes = orphans.N, orphans.Bytes
	var packs []string
	if err := s.db.WithContext(ctx).Raw("SELECT DISTINCT pack FROM blob_pack_entry").Scan(&packs).Error; err != nil {
		return nil, fmt.Errorf("check blobs: %w", err)
	}
	recorded := map[string]bool{}
	for _, p := range packs {
		recorded[p] = true
	}
	root := filepath.Join(s.blobs.dir, packDirName)
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && path == root {
				return filepath.SkipDir
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if recorded[rel] {
			return nil
		}
		out.UnreferencedPacks = append(out.UnreferencedPacks, rel)
		if fi, err := d.Info(); err == nil {
			out.UnreferencedBytes += fi.Size()
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("check blobs in %s: %w", root, err)
	}
	return out, nil
}

// checkBlob reads one blob and says what is wrong with it ("" when
// nothing), with the bytes it read.
func (s *Store) checkBlob(sha string) (int64, string) {
	rc, err := s.OpenBlob(sha)
	if errors.Is(err, ErrNotFound) {
		return 0, "missing"
	}
	if errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Sprintf("missing: %v", err)
	}
	if err != nil {
		return 0, fmt.Sprintf("unreadable: %v", err)
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, rc)
	if err != nil {
		return n, fmt.Sprintf("unreadable after %d bytes: %v", n, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sha {
		return n, fmt.Sprintf("content differs: %d bytes with SHA-256 %s", n, got)
	}
	return n, ""
}
