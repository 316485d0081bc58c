package mailimport

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/store"
)

// WorkSpace is the ImportResult work space: the activities an import
// created (already committed) and the per-mail outcomes. Later actions may
// change the activities through it; Close saves those changes and
// releases it.
type WorkSpace struct {
	st  *store.Store
	res *Result

	mu      sync.Mutex
	pending store.ActivityChanges
	dirty   bool
	closed  bool
}

var _ engine.WorkSpace = (*WorkSpace)(nil)

// NewWorkSpace wraps a result.
func NewWorkSpace(st *store.Store, res *Result) *WorkSpace {
	return &WorkSpace{st: st, res: res}
}

// WorkSpaceName implements engine.WorkSpace.
func (w *WorkSpace) WorkSpaceName() string {
	return fmt.Sprintf("ImportResult %s (%d activities)", w.res.MatchCode, len(w.res.ActivityIDs))
}

// String is how the work space shows in run records.
func (w *WorkSpace) String() string { return w.WorkSpaceName() }

// Result returns the import result (do not modify it).
func (w *WorkSpace) Result() *Result { return w.res }

// ActivityIDs returns the ids of the activities created.
func (w *WorkSpace) ActivityIDs() []int64 { return append([]int64(nil), w.res.ActivityIDs...) }

// ErrWorkSpaceClosed: the work space was already closed.
var ErrWorkSpaceClosed = errors.New("work space is closed")

// SetStatus sets the status of every activity of the work space; it is
// saved on Close.
func (w *WorkSpace) SetStatus(status string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return fmt.Errorf("%s: set status: %w", w.WorkSpaceName(), ErrWorkSpaceClosed)
	}
	s := NormalizeStatus(status)
	w.pending.Status = &s
	w.dirty = true
	return nil
}

// Close saves pending changes and releases the work space. Closing twice
// is harmless. When saving fails the work space stays open, so the engine
// (or a retry) can close it again.
func (w *WorkSpace) Close(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	if w.dirty {
		for _, id := range w.res.ActivityIDs {
			if err := w.st.UpdateActivity(ctx, id, w.pending); err != nil {
				return fmt.Errorf("%s: save activity %d: %w", w.WorkSpaceName(), id, err)
			}
		}
		w.pending, w.dirty = store.ActivityChanges{}, false
	}
	w.closed = true
	return nil
}

// Closed implements engine.WorkSpace.
func (w *WorkSpace) Closed() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.closed
}
