package blobs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"time"

	"gorm.io/gorm"

	"github.com/wfehq/wfe/store/internal/sqldb"
)

// DefaultGCMinAge is how old a pack file must be before garbage
// collection may remove it: an import's batch writes its packs, records
// them and commits the rows that refer to them within seconds, so a pack
// untouched for an hour belongs to no running batch.
const DefaultGCMinAge = time.Hour

// GCOptions tunes CollectGarbage.
type GCOptions struct {
	// DryRun reports what would be removed and removes nothing.
	DryRun bool
	// MinAge: packs modified more recently are kept (0: DefaultGCMinAge;
	// negative: no age limit, for tests).
	MinAge time.Duration
}

// GCReport is what CollectGarbage removed (or, in a dry run, would).
type GCReport struct {
	DryRun bool `json:"dry_run"`
	// Packs are the pack files removed (relative to packs/).
	Packs []string `json:"packs"`
	// Bytes are the bytes of those files: the disk space freed.
	Bytes int64 `json:"bytes"`
	// Entries are the blob_pack_entry rows removed: blobs nothing refers
	// to, in the removed packs or beside referenced blobs in kept ones.
	Entries int `json:"entries"`
	// KeptYoung counts unreferenced packs kept because they are younger
	// than the minimum age or written by a live batch of this process.
	KeptYoung int `json:"kept_young"`
}

// CollectGarbage removes the pack files and pack entries no committed row
// refers to (Config.Refs): packs left by a batch that never committed
// (a crash between writing the packs and the commit). It is safe while
// imports run:
//   - a pack modified within MinAge is never touched, nor its entries, nor
//     a pack a live batch of this process writes;
//   - entries are deleted in one transaction whose statement checks again
//     that nothing refers to them, and the files only after it commits;
//   - on PostgreSQL the transaction locks blob_pack_entry against writers
//     first, and CommitImport checks its blobs' entries under a share lock
//     in its own transaction, so a batch that reuses a blob being
//     collected fails its commit (and is retried) instead of referring to
//     a removed blob. On SQLite transactions are serialised anyway.
func (s *Repo) CollectGarbage(ctx context.Context, o GCOptions) (*GCReport, error) {
	minAge := o.MinAge
	if minAge == 0 {
		minAge = DefaultGCMinAge
	}
	old, young, err := s.packsByAge(minAge)
	if err != nil {
		return nil, err
	}
	rep := &GCReport{DryRun: o.DryRun, Packs: []string{}}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if s.db.Dialect == sqldb.Postgres && !o.DryRun {
			if err := tx.Exec("LOCK TABLE blob_pack_entry IN EXCLUSIVE MODE").Error; err != nil {
				return err
			}
		}
		return s.collectIn(tx, old, young, o.DryRun, rep)
	})
	if err != nil {
		return nil, fmt.Errorf("collect blobs: %w", err)
	}
	if o.DryRun {
		return rep, nil
	}
	for _, name := range rep.Packs {
		if err := os.Remove(s.packPath(name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return rep, fmt.Errorf("collect blobs: %w", err)
		}
	}
	return rep, nil
}

// packsByAge splits the pack files into those older than minAge
// (negative: all) that no live batch of this process writes, by name, and
// the others.
func (s *Repo) packsByAge(minAge time.Duration) (old map[string]packOnDisk, young []string, err error) {
	all, err := s.packFiles()
	if err != nil {
		return nil, nil, err
	}
	cutoff := time.Now().Add(-minAge)
	old = map[string]packOnDisk{}
	for _, p := range all {
		if (minAge < 0 || p.modTime.Before(cutoff)) && !s.blobs.isLive(p.name) {
			old[p.name] = p
		} else {
			young = append(young, p.name)
		}
	}
	return old, young, nil
}

// packedRef is one blob_pack_entry row and whether a row refers to it.
type packedRef struct {
	SHA256     string
	Pack       string
	Referenced bool
}

// collectIn decides, in tx, which entries and packs go, and deletes the
// entries (unless dryRun).
func (s *Repo) collectIn(tx *gorm.DB, old map[string]packOnDisk, young []string, dryRun bool, rep *GCReport) error {
	var rows []packedRef
	err := tx.Raw(`SELECT sha256, pack, sha256 IN (` + s.refsSQL() + `) AS referenced FROM blob_pack_entry`).Scan(&rows).Error
	if err != nil {
		return err
	}
	inUse := map[string]bool{} // packs holding a referenced blob
	var orphans []string       // unreferenced entries in old packs
	for _, r := range rows {
		if r.Referenced {
			inUse[r.Pack] = true
		} else if _, ok := old[r.Pack]; ok {
			orphans = append(orphans, r.SHA256)
		}
	}
	for name, p := range old {
		if !inUse[name] {
			rep.Packs = append(rep.Packs, name)
			rep.Bytes += p.size
		}
	}
	for _, name := range young {
		if !inUse[name] {
			rep.KeptYoung++
		}
	}
	sort.Strings(rep.Packs)
	rep.Entries = len(orphans)
	if dryRun || len(orphans) == 0 {
		return nil
	}
	for start := 0; start < len(orphans); start += sqldb.InsertChunk {
		chunk := orphans[start:min(start+sqldb.InsertChunk, len(orphans))]
		err := tx.Exec(`DELETE FROM blob_pack_entry WHERE sha256 IN ? AND sha256 NOT IN (`+s.refsSQL()+`)`, chunk).Error
		if err != nil {
			return err
		}
	}
	return nil
}

// RequireStored checks, in the transaction tx that commits rows referring
// to the blobs, that each is still stored (recorded in a pack, or in a
// file of its own from an earlier wfe). On PostgreSQL it share-locks their
// entries until tx ends, so garbage collection waits for the commit and
// then sees the new references; a blob collected before is an error, and
// the batch is retried (storing the blob again).
func (s *Repo) RequireStored(tx *gorm.DB, shas []string) error {
	want := map[string]bool{}
	for _, sha := range shas {
		want[sha] = true
	}
	list := make([]string, 0, len(want))
	for sha := range want {
		list = append(list, sha)
	}
	lock := ""
	if s.db.Dialect == sqldb.Postgres {
		lock = " FOR SHARE"
	}
	for start := 0; start < len(list); start += sqldb.InsertChunk {
		var found []string
		chunk := list[start:min(start+sqldb.InsertChunk, len(list))]
		if err := tx.Raw("SELECT sha256 FROM blob_pack_entry WHERE sha256 IN ?"+lock, chunk).Scan(&found).Error; err != nil {
			return sqldb.Translate(err, "look up blobs")
		}
		for _, sha := range found {
			delete(want, sha)
		}
	}
	for sha := range want {
		if p, err := s.BlobPath(sha); err == nil {
			if _, err := os.Stat(p); err == nil {
				continue
			}
		}
		return fmt.Errorf("blob %s is no longer stored (collected while its batch ran?): %w", sha, sqldb.ErrNotFound)
	}
	return nil
}
