package store

import (
	"github.com/wfehq/wfe/store/defs"
	"github.com/wfehq/wfe/store/runs"
	"github.com/wfehq/wfe/store/timers"
)

// Run history (store/runs).
type (
	Run       = runs.Run
	RunFilter = runs.RunFilter
)

// Run statuses.
const (
	RunRunning   = runs.RunRunning
	RunSucceeded = runs.RunSucceeded
	RunFailed    = runs.RunFailed
	RunCancelled = runs.RunCancelled
	RunSkipped   = runs.RunSkipped
)

// NewID returns a random 128-bit identifier in hex.
func NewID() string { return runs.NewID() }

// Timer tasks, claims and leases (store/timers).
type (
	TimerTask  = timers.TimerTask
	TimerStamp = timers.TimerStamp
)

// Timer task types.
const (
	TimerWorkflow       = timers.TimerWorkflow
	TimerMailAutoImport = timers.TimerMailAutoImport
	TimerGroupwareSync  = timers.TimerGroupwareSync
)

// Workflow definitions (store/defs).
type (
	WorkflowDef          = defs.WorkflowDef
	WorkflowFile         = defs.WorkflowFile
	WorkflowMeta         = defs.WorkflowMeta
	ValidateFunc         = defs.ValidateFunc
	ImportOptions        = defs.ImportOptions
	WorkflowImportResult = defs.WorkflowImportResult
	WorkflowFileError    = defs.WorkflowFileError
	WorkflowImportError  = defs.WorkflowImportError
)

// What an import did with a definition.
const (
	ImportCreated   = defs.ImportCreated
	ImportUpdated   = defs.ImportUpdated
	ImportUnchanged = defs.ImportUnchanged
)
