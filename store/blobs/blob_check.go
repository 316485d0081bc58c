package blobs

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
	"strings"
	"time"

	"github.com/wfehq/wfe/store/internal/sqldb"
)

// BlobProblem is a blob a row (a document, an import ledger row) refers to that
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

// CheckBlobs reads every blob a row refers to (Config.Refs: documents,
// import ledger rows) and compares its content with its SHA-256, and lists
// the pack files nothing refers to. It changes nothing.
func (s *Repo) CheckBlobs(ctx context.Context) (*BlobCheck, error) {
	out := &BlobCheck{Problems: []BlobProblem{}, UnreferencedPacks: []string{}}
	if err := s.checkReferenced(ctx, out); err != nil {
		return nil, err
	}
	var orphans struct {
		N     int
		Bytes int64
	}
	err := s.db.WithContext(ctx).Raw(`SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS bytes FROM blob_pack_entry
		WHERE sha256 NOT IN (` + s.refsSQL() + `)`).Scan(&orphans).Error
	if err != nil {
		return nil, fmt.Errorf("check blobs: %w", err)
	}
	out.UnreferencedBlobs, out.UnreferencedBlobBytes = orphans.N, orphans.Bytes
	packs, err := s.unrecordedPacks(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range packs {
		out.UnreferencedPacks = append(out.UnreferencedPacks, p.name)
		out.UnreferencedBytes += p.size
	}
	return out, nil
}

// refsSQL is the query of every SHA-256 a row refers to.
func (s *Repo) refsSQL() string {
	if len(s.refs) == 0 {
		return "SELECT '' WHERE 1 = 0"
	}
	return strings.Join(s.refs, " UNION ")
}

// checkReferenced reads back every referenced blob into out.
func (s *Repo) checkReferenced(ctx context.Context, out *BlobCheck) error {
	var keys []string
	if err := s.db.WithContext(ctx).Raw(s.refsSQL()).Scan(&keys).Error; err != nil {
		return fmt.Errorf("check blobs: %w", err)
	}
	sort.Strings(keys)
	for _, sha := range keys {
		if err := ctx.Err(); err != nil {
			return err
		}
		out.Checked++
		n, problem := s.checkBlob(sha)
		out.Bytes += n
		if problem != "" {
			out.Problems = append(out.Problems, BlobProblem{SHA256: sha, Problem: problem})
		}
	}
	return nil
}

// packOnDisk is a pack file, named relative to packs/.
type packOnDisk struct {
	name    string
	size    int64
	modTime time.Time
}

// unrecordedPacks lists the pack files no blob_pack_entry row names.
func (s *Repo) unrecordedPacks(ctx context.Context) ([]packOnDisk, error) {
	var names []string
	if err := s.db.WithContext(ctx).Raw("SELECT DISTINCT pack FROM blob_pack_entry").Scan(&names).Error; err != nil {
		return nil, fmt.Errorf("check blobs: %w", err)
	}
	recorded := map[string]bool{}
	for _, p := range names {
		recorded[p] = true
	}
	all, err := s.packFiles()
	if err != nil {
		return nil, err
	}
	var out []packOnDisk
	for _, p := range all {
		if !recorded[p.name] {
			out = append(out, p)
		}
	}
	return out, nil
}

// packFiles lists the files under packs/.
func (s *Repo) packFiles() ([]packOnDisk, error) {
	root := filepath.Join(s.blobs.dir, packDirName)
	var out []packOnDisk
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
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
		p := packOnDisk{name: filepath.ToSlash(rel)}
		if fi, err := d.Info(); err == nil {
			p.size, p.modTime = fi.Size(), fi.ModTime()
		}
		out = append(out, p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("check blobs in %s: %w", root, err)
	}
	return out, nil
}

// checkBlob reads one blob and says what is wrong with it ("" when
// nothing), with the bytes it read.
func (s *Repo) checkBlob(sha string) (int64, string) {
	rc, err := s.OpenBlob(sha)
	if errors.Is(err, sqldb.ErrNotFound) {
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
