package defs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/wfehq/wfe/schema"
	"github.com/wfehq/wfe/store/internal/sqldb"
)

// WorkflowDef is a stored workflow definition: the exact imported bytes and
// what wfe knows about them.
type WorkflowDef struct {
	ID          int64  `gorm:"primaryKey" json:"-"`
	WorkflowID  string `json:"workflow_id"`
	Description string `json:"description"`
	FileName    string `json:"file_name"`
	Data        []byte `json:"-"`
	SHA256      string `gorm:"column:sha256" json:"sha256"`
	// Version starts at 1 and grows with every changed import.
	Version int `json:"version"`
	// Standard marks a shipped system workflow ("CURSOR Standard"); a
	// customised copy never carries it.
	Standard bool `json:"standard"`
	Active   bool `json:"active"`
	// DerivedFrom / DerivedFromVersion: the workflow (and its version) this
	// one was copied from.
	DerivedFrom        string    `json:"derived_from"`
	DerivedFromVersion int       `json:"derived_from_version"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

// TableName implements gorm's tabler.
func (WorkflowDef) TableName() string { return "workflow_def" }

// WorkflowFile is a workflow document to import.
type WorkflowFile struct {
	Name string
	Data []byte
}

// WorkflowMeta is what validation learned about a document.
type WorkflowMeta struct {
	ID          string
	Description string
}

// ValidateFunc checks a workflow document (the caller compiles it against
// its registry) and returns its id and description. The store never
// stores a document the callback refused.
type ValidateFunc func(name string, data []byte) (WorkflowMeta, error)

// ImportOptions tune ImportWorkflows.
type ImportOptions struct {
	// Activate new and changed definitions (existing ones keep their
	// flag otherwise; new ones start inactive).
	Activate bool
	// DerivedFrom records lineage explicitly; when empty, a new workflow
	// whose element structure equals exactly one stored definition's is
	// recorded as derived from it.
	DerivedFrom string
}

// Import outcomes.
const (
	ImportCreated   = "created"
	ImportUpdated   = "updated"
	ImportUnchanged = "unchanged"
)

// WorkflowImportResult tells what happened to one file.
type WorkflowImportResult struct {
	File        string `json:"file"`
	WorkflowID  string `json:"workflow_id"`
	Outcome     string `json:"outcome"` // created | updated | unchanged
	Version     int    `json:"version"`
	DerivedFrom string `json:"derived_from,omitempty"`
}

// WorkflowFileError is one refused file.
type WorkflowFileError struct {
	File string
	Err  error
}

func (e *WorkflowFileError) Error() string { return e.File + ": " + e.Err.Error() }
func (e *WorkflowFileError) Unwrap() error { return e.Err }

// WorkflowImportError lists every file refused by validation; nothing was
// stored.
type WorkflowImportError struct{ Files []*WorkflowFileError }

func (e *WorkflowImportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d of the workflow files are invalid; nothing was imported", len(e.Files))
	for _, f := range e.Files {
		b.WriteString("\n")
		b.WriteString(f.Error())
	}
	return b.String()
}

// Unwrap gives the per-file errors.
func (e *WorkflowImportError) Unwrap() []error {
	out := make([]error, len(e.Files))
	for i, f := range e.Files {
		out[i] = f
	}
	return out
}

func checksum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

type validated struct {
	file WorkflowFile
	meta WorkflowMeta
}

// validateAll runs validate on every file and fails with every refusal.
func validateAll(files []WorkflowFile, validate ValidateFunc) ([]validated, error) {
	if validate == nil {
		return nil, fmt.Errorf("import workflows: no validation callback")
	}
	var bad []*WorkflowFileError
	out := make([]validated, 0, len(files))
	seen := map[string]string{}
	for _, f := range files {
		meta, err := validate(f.Name, f.Data)
		if err == nil && strings.TrimSpace(meta.ID) == "" {
			err = fmt.Errorf("the document has no WorkFlowID")
		}
		if err == nil && seen[meta.ID] != "" {
			err = fmt.Errorf("WorkFlowID %q is also used by %s", meta.ID, seen[meta.ID])
		}
		if err != nil {
			bad = append(bad, &WorkflowFileError{File: f.Name, Err: err})
			continue
		}
		seen[meta.ID] = f.Name
		out = append(out, validated{file: f, meta: meta})
	}
	if len(bad) > 0 {
		return nil, &WorkflowImportError{Files: bad}
	}
	return out, nil
}

// ImportWorkflows validates ALL files first and stores nothing when any is
// refused (the error is a *WorkflowImportError naming every file). Then, in
// one transaction: a new WorkFlowID is created (version 1); an existing one
// with identical bytes is left alone; changed bytes replace the stored
// ones and increment the version. A changed standard workflow is refused:
// customise a copy with its own WorkFlowID instead (docs/REQUIREMENTS.md R9).
func (s *Repo) ImportWorkflows(ctx context.Context, files []WorkflowFile, validate ValidateFunc, opts ImportOptions) ([]WorkflowImportResult, error) {
	vs, err := validateAll(files, validate)
	if err != nil {
		return nil, err
	}
	var results []WorkflowImportResult
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.serializeDefinitions(tx); err != nil {
			return err
		}
		results = results[:0]
		for _, v := range vs {
			r, err := s.importOne(tx, v, opts, false)
			if err != nil {
				return err
			}
			results = append(results, r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// serializeDefinitions makes concurrent imports and installs (e.g. several
// nodes starting at once) run one after the other on PostgreSQL; SQLite
// transactions are exclusive already.
func (s *Repo) serializeDefinitions(tx *gorm.DB) error {
	if s.db.Dialect != sqldb.Postgres {
		return nil
	}
	if err := tx.Exec("SELECT pg_advisory_xact_lock(7423912)").Error; err != nil {
		return fmt.Errorf("lock workflow definitions: %w", err)
	}
	return nil
}

func (s *Repo) importOne(tx *gorm.DB, v validated, opts ImportOptions, system bool) (WorkflowImportResult, error) {
	id := v.meta.ID
	res := WorkflowImportResult{File: v.file.Name, WorkflowID: id}
	sum := checksum(v.file.Data)
	var cur WorkflowDef
	err := tx.Where("workflow_id = ?", id).Take(&cur).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		d := WorkflowDef{
			WorkflowID: id, Description: v.meta.Description, FileName: v.file.Name,
			Data: v.file.Data, SHA256: sum, Version: 1, Standard: system, Active: opts.Activate || system,
		}
		if !system {
			from, err := s.lineage(tx, v.file.Data, id, opts.DerivedFrom)
			if err != nil {
				return res, err
			}
			if from != nil {
				d.DerivedFrom, d.DerivedFromVersion = from.WorkflowID, from.Version
			}
		}
		if err := tx.Omit("id").Create(&d).Error; err != nil {
			return res, sqldb.Translate(err, fmt.Sprintf("%s: store workflow %s", v.file.Name, id))
		}
		res.Outcome, res.Version, res.DerivedFrom = ImportCreated, 1, d.DerivedFrom
		return res, nil
	case err != nil:
		return res, sqldb.Translate(err, "workflow "+id)
	}
	res.Version, res.DerivedFrom = cur.Version, cur.DerivedFrom
	if cur.SHA256 == sum && bytes.Equal(cur.Data, v.file.Data) {
		res.Outcome = ImportUnchanged
		if opts.Activate && !cur.Active {
			if err := tx.Model(&cur).Updates(map[string]any{"active": true, "updated_at": s.db.Now()}).Error; err != nil {
				return res, sqldb.Translate(err, "activate workflow "+id)
			}
		}
		return res, nil
	}
	if cur.Standard && !system {
		return res, fmt.Errorf("%s: workflow %s is a standard workflow and would be replaced by the next release: import the change under a new WorkFlowID (see 'wfe workflow duplicate'): %w", v.file.Name, id, sqldb.ErrConflict)
	}
	if !cur.Standard && system {
		return res, fmt.Errorf("%s: a workflow %s that is not a standard workflow exists: %w", v.file.Name, id, sqldb.ErrConflict)
	}
	next := cur.Version + 1
	up := map[string]any{
		"data": v.file.Data, "sha256": sum, "version": next, "description": v.meta.Description,
		"file_name": v.file.Name, "updated_at": s.db.Now(),
	}
	if opts.Activate {
		up["active"] = true
	}
	if err := tx.Model(&cur).Updates(up).Error; err != nil {
		return res, sqldb.Translate(err, "update workflow "+id)
	}
	res.Outcome, res.Version = ImportUpdated, next
	return res, nil
}

var (
	quotedValue = regexp.MustCompile(`"[^"]*"|'[^']*'`)
	textContent = regexp.MustCompile(`>[^<]*<`)
)

// skeleton is the document without attribute values and text: the element
// and attribute structure.
func skeleton(data []byte) []byte {
	return textContent.ReplaceAll(quotedValue.ReplaceAll(data, []byte(`""`)), []byte("><"))
}

// lineage finds the definition a new workflow derives from: the explicit
// one, else the only stored definition with the same skeleton (standard
// ones preferred).
func (s *Repo) lineage(tx *gorm.DB, data []byte, id, explicit string) (*WorkflowDef, error) {
	if explicit != "" {
		var d WorkflowDef
		if err := tx.Where("workflow_id = ?", explicit).Take(&d).Error; err != nil {
			return nil, sqldb.Translate(err, fmt.Sprintf("workflow %s derived from %s", id, explicit))
		}
		return &d, nil
	}
	var all []WorkflowDef
	if err := tx.Where("workflow_id <> ?", id).Order("id").Find(&all).Error; err != nil {
		return nil, sqldb.Translate(err, "workflow lineage")
	}
	sk := skeleton(data)
	var std, other []*WorkflowDef
	for i := range all {
		if bytes.Equal(skeleton(all[i].Data), sk) {
			if all[i].Standard {
				std = append(std, &all[i])
			} else {
				other = append(other, &all[i])
			}
		}
	}
	switch {
	case len(std) == 1:
		return std[0], nil
	case len(std) == 0 && len(other) == 1:
		return other[0], nil
	}
	return nil, nil
}

// InstallSystemWorkflows installs or updates the shipped workflows with the
// standard flag (new ones active). Warnings name customised copies of an
// updated workflow (they keep their content and may want the change too)
// and stored non-standard workflows that block a shipped id.
func (s *Repo) InstallSystemWorkflows(ctx context.Context, files []WorkflowFile, validate ValidateFunc) (warnings []string, err error) {
	vs, err := validateAll(files, validate)
	if err != nil {
		return nil, err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.serializeDefinitions(tx); err != nil {
			return err
		}
		warnings = warnings[:0]
		for _, v := range vs {
			r, err := s.importOne(tx, v, ImportOptions{}, true)
			if errors.Is(err, sqldb.ErrConflict) {
				warnings = append(warnings, err.Error())
				continue
			}
			if err != nil {
				return err
			}
			if r.Outcome != ImportUpdated {
				continue
			}
			var copies []string
			if err := tx.Model(&WorkflowDef{}).Where("derived_from = ?", r.WorkflowID).Order("workflow_id").
				Pluck("workflow_id", &copies).Error; err != nil {
				return sqldb.Translate(err, "derived workflows of "+r.WorkflowID)
			}
			if len(copies) > 0 {
				warnings = append(warnings, fmt.Sprintf("standard workflow %s was updated to version %d; derived copies keep their content and may need the change too: %s",
					r.WorkflowID, r.Version, strings.Join(copies, ", ")))
			}
		}
		return nil
	})
	return warnings, err
}

// GetWorkflow loads a definition by WorkFlowID.
func (s *Repo) GetWorkflow(ctx context.Context, workflowID string) (*WorkflowDef, error) {
	var d WorkflowDef
	if err := s.db.WithContext(ctx).Where("workflow_id = ?", workflowID).Take(&d).Error; err != nil {
		return nil, sqldb.Translate(err, fmt.Sprintf("workflow %q", workflowID))
	}
	return &d, nil
}

// ExportWorkflow returns the stored bytes of a definition, unchanged.
func (s *Repo) ExportWorkflow(ctx context.Context, workflowID string) ([]byte, error) {
	d, err := s.GetWorkflow(ctx, workflowID)
	if err != nil {
		return nil, err
	}
	return d.Data, nil
}

// ListWorkflows returns every definition by WorkFlowID (with data).
func (s *Repo) ListWorkflows(ctx context.Context) ([]WorkflowDef, error) {
	var out []WorkflowDef
	err := s.db.WithContext(ctx).Order("workflow_id").Find(&out).Error
	return out, sqldb.Translate(err, "list workflows")
}

// ActiveWorkflows returns the active definitions by WorkFlowID.
func (s *Repo) ActiveWorkflows(ctx context.Context) ([]WorkflowDef, error) {
	var out []WorkflowDef
	err := s.db.WithContext(ctx).Where("active = ?", true).Order("workflow_id").Find(&out).Error
	return out, sqldb.Translate(err, "list active workflows")
}

// SetWorkflowActive activates or deactivates a definition.
func (s *Repo) SetWorkflowActive(ctx context.Context, workflowID string, active bool) error {
	res := s.db.WithContext(ctx).Model(&WorkflowDef{}).Where("workflow_id = ?", workflowID).
		Updates(map[string]any{"active": active, "updated_at": s.db.Now()})
	return sqldb.RowsOrNotFound(res.Error, res.RowsAffected, fmt.Sprintf("workflow %q", workflowID))
}

// DuplicateWorkflow copies workflow id as newID: only WorkFlowID (and
// Description when newDescription is not empty) change in the bytes. The
// copy has no standard flag, records its lineage and is active; the
// original is not touched. validate checks the rewritten document.
func (s *Repo) DuplicateWorkflow(ctx context.Context, id, newID, newDescription string, validate ValidateFunc) (*WorkflowDef, error) {
	src, err := s.GetWorkflow(ctx, id)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(newID) == "" {
		return nil, fmt.Errorf("duplicate workflow %s: empty new WorkFlowID: %w", id, sqldb.ErrInvalid)
	}
	w, err := schema.Parse(src.FileName, src.Data)
	if err != nil {
		return nil, fmt.Errorf("duplicate workflow %s: stored document: %w", id, err)
	}
	ed := w.Edit().SetWorkFlowID(newID)
	if newDescription != "" {
		ed = ed.SetDescription(newDescription)
	}
	data, err := ed.Bytes()
	if err != nil {
		return nil, fmt.Errorf("duplicate workflow %s as %s: %w", id, newID, err)
	}
	name := newID + ".xml"
	vs, err := validateAll([]WorkflowFile{{Name: name, Data: data}}, validate)
	if err != nil {
		return nil, err
	}
	if vs[0].meta.ID != newID {
		return nil, fmt.Errorf("duplicate workflow %s: the copy reads back as %q, not %q", id, vs[0].meta.ID, newID)
	}
	d := WorkflowDef{
		WorkflowID: newID, Description: vs[0].meta.Description, FileName: name, Data: data,
		SHA256: checksum(data), Version: 1, Active: true, DerivedFrom: src.WorkflowID, DerivedFromVersion: src.Version,
	}
	if err := s.db.WithContext(ctx).Omit("id").Create(&d).Error; err != nil {
		return nil, sqldb.Translate(err, fmt.Sprintf("duplicate workflow %s as %s", id, newID))
	}
	return &d, nil
}

// DeleteWorkflow removes a definition that is not standard.
func (s *Repo) DeleteWorkflow(ctx context.Context, workflowID string) error {
	d, err := s.GetWorkflow(ctx, workflowID)
	if err != nil {
		return err
	}
	if d.Standard {
		return fmt.Errorf("workflow %s is a standard workflow: deactivate it instead: %w", workflowID, sqldb.ErrConflict)
	}
	return sqldb.Translate(s.db.WithContext(ctx).Delete(d).Error, "delete workflow "+workflowID)
}
