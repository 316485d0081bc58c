package blobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/wfehq/wfe/store/internal/sqldb"
)

// Pack files: a BlobBatch writes its blobs into two files,
// packs/YYYY-MM/NAME.pack in the blob directory (blobs of at most packMax
// bytes into one, larger ones into the other), instead of creating a file
// per blob (creating and syncing thousands of small files is what an
// import spent most of its time on). The table blob_pack_entry maps each
// packed blob's SHA-256 to its pack, offset and size; its rows are written
// after the pack is fsynced, so a row always points at durable bytes.
// Blobs written by wfe before blobs were packed have a file of their own
// at their content address; OpenBlob finds a blob either way.

// packDirName is the subdirectory of the blob directory holding the packs.
const packDirName = "packs"

// packMax is the largest blob appended to the small pack, from memory,
// by whichever writer; larger blobs are streamed into the large pack, one
// writer at a time.
const packMax = 256 << 10

// packEntry is a row of blob_pack_entry.
type packEntry struct {
	SHA256     string `gorm:"column:sha256;primaryKey"`
	Pack       string `gorm:"column:pack"`
	PackOffset int64  `gorm:"column:pack_offset"`
	Size       int64  `gorm:"column:size"`
}

func (packEntry) TableName() string { return "blob_pack_entry" }

// packFile is a pack a BlobBatch appends to.
type packFile struct {
	name     string // base name in packs/
	path     string
	f        *os.File
	size     int64 // bytes appended (blobs registered in the batch)
	fsynced  int64 // bytes fsynced
	recorded int64 // bytes whose blobs are in blob_pack_entry
	indexed  bool  // some of its blobs are in blob_pack_entry: keep the file
	newEntry bool  // its directory entries are not fsynced yet
	// syncDirs are the directories whose entries make the pack durable:
	// its month's, and packs/ and the blob directory when they are new
	syncDirs []string
}

// createPack creates a new, empty pack file in the month's directory,
// packs/YYYY-MM/ (a directory does not collect the packs of years), and
// names it "YYYY-MM/NAME.pack".
func (d *blobDir) createPack(now time.Time) (*packFile, error) {
	month := now.UTC().Format("2006-01")
	packs := filepath.Join(d.dir, packDirName)
	dir := filepath.Join(packs, month)
	syncDirs := []string{dir}
	if _, err := os.Stat(dir); err != nil {
		syncDirs = append(syncDirs, packs)
		if _, err := os.Stat(packs); err != nil {
			syncDirs = append(syncDirs, d.dir)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("blob dir %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, "*.pack")
	if err != nil {
		return nil, fmt.Errorf("blob dir %s: %w", dir, err)
	}
	name := month + "/" + filepath.Base(f.Name())
	d.hold(name)
	return &packFile{name: name, path: f.Name(), f: f, newEntry: true, syncDirs: syncDirs}, nil
}

// packName is what blob_pack_entry may name: "YYYY-MM/NAME.pack".
var packName = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}/[0-9A-Za-z_-][0-9A-Za-z_.-]*\.pack$`)

// writeAt writes data at off, failing as WithBlobWriteFault says.
func (p *packFile) writeAt(d *blobDir, data []byte, off int64) error {
	if d.fault != nil {
		if err := d.fault(data); err != nil {
			return &fs.PathError{Op: "write", Path: p.path, Err: err}
		}
	}
	_, err := p.f.WriteAt(data, off)
	return err
}

// append writes data at the end of the pack and returns its offset. A
// failed write leaves the pack's logical size as it was: the next append
// overwrites what the failed one left.
func (p *packFile) append(d *blobDir, data []byte) (int64, error) {
	off := p.size
	if err := p.writeAt(d, data, off); err != nil {
		return 0, err
	}
	p.size += int64(len(data))
	return off, nil
}

// close closes the pack; a pack none of whose blobs was indexed is
// removed, an indexed one is cut back to its recorded blobs (a failed or
// discarded write may have left bytes beyond).
func (p *packFile) close() {
	if !p.indexed {
		p.f.Close()
		os.Remove(p.path)
		return
	}
	p.f.Truncate(p.recorded)
	p.f.Close()
}

// open opens the bytes of e in pack file path.
func openSection(path string, e packEntry) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("blob %s: %w", e.SHA256, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("blob %s: %w", e.SHA256, err)
	}
	if fi.Size() < e.PackOffset+e.Size {
		f.Close()
		return nil, fmt.Errorf("blob %s: pack %s is truncated (%d bytes, the blob ends at %d)", e.SHA256, path, fi.Size(), e.PackOffset+e.Size)
	}
	return &sectionFile{SectionReader: io.NewSectionReader(f, e.PackOffset, e.Size), f: f}, nil
}

// sectionFile reads one blob of a pack.
type sectionFile struct {
	*io.SectionReader
	f *os.File
}

func (s *sectionFile) Close() error { return s.f.Close() }

// packLookup is the prepared query of packedBlob: an import looks up every
// blob it stores, so the statement is parsed once, not per blob.
type packLookup struct {
	once sync.Once
	stmt *sql.Stmt
	err  error
}

func (p *packLookup) close() {
	if p.stmt != nil {
		p.stmt.Close()
	}
}

// packedBlob looks sha up in blob_pack_entry.
func (s *Repo) packedBlob(ctx context.Context, sha string) (packEntry, bool, error) {
	p := &s.packLookup
	p.once.Do(func() {
		var db *sql.DB
		if db, p.err = s.db.SQL(); p.err != nil {
			return
		}
		q := "SELECT pack, pack_offset, size FROM blob_pack_entry WHERE sha256 = ?"
		if s.db.Dialect == sqldb.Postgres {
			q = "SELECT pack, pack_offset, size FROM blob_pack_entry WHERE sha256 = $1"
		}
		p.stmt, p.err = db.Prepare(q)
	})
	if p.err != nil {
		return packEntry{}, false, fmt.Errorf("look up blob %s: %w", sha, p.err)
	}
	e := packEntry{SHA256: sha}
	err := p.stmt.QueryRowContext(ctx, sha).Scan(&e.Pack, &e.PackOffset, &e.Size)
	if errors.Is(err, sql.ErrNoRows) {
		return packEntry{}, false, nil
	}
	if err != nil {
		return packEntry{}, false, fmt.Errorf("look up blob %s: %w", sha, err)
	}
	return e, true, nil
}

// openPacked opens a blob recorded in blob_pack_entry.
func (s *Repo) openPacked(e packEntry) (io.ReadCloser, error) {
	if !packName.MatchString(e.Pack) {
		return nil, fmt.Errorf("blob %s: invalid pack name %q: %w", e.SHA256, e.Pack, sqldb.ErrInvalid)
	}
	return openSection(s.packPath(e.Pack), e)
}

// indexPacked records packed blobs in one transaction; a SHA-256 recorded
// before keeps its earlier place.
func (s *Repo) indexPacked(ctx context.Context, entries []packEntry) error {
	if len(entries) == 0 {
		return nil
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return insertPackEntries(tx, entries) })
}

// insertPackEntries records packed blobs in tx (one already recorded
// stays as it is).
func insertPackEntries(tx *gorm.DB, entries []packEntry) error {
	_, err := sqldb.InsertRows(tx, entries, true)
	return err
}
