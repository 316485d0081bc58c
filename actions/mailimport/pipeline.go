package mailimport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/wfehq/wfe/actions/mailconn"
	"github.com/wfehq/wfe/actions/mailparse"
	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/mailbox"
	"github.com/wfehq/wfe/store"
)

// Fault points passed to Deps.Fault.
const (
	// FaultFetched is asked in the fetching goroutine after a batch was
	// fetched and spooled, before it is handed on to be committed (its
	// last messages may still be parsed).
	FaultFetched = "fetched"
	// FaultMidBatch is asked after each message of a batch was spooled and
	// parsed, before the batch is committed.
	FaultMidBatch = "mid-batch"
	// FaultAfterCommit is asked after a batch was committed, before its
	// messages are moved.
	FaultAfterCommit = "after-commit"
)

// Outcomes of a message beyond the store's ledger outcomes.
const (
	// OutcomeSkipped: the Mapper decided to create nothing (ledger row).
	OutcomeSkipped = "skipped"
	// OutcomeLeft: the Mapper left the message in the folder (no row).
	OutcomeLeft = "left"
	// OutcomeDryRun: a dry run would import the message.
	OutcomeDryRun = "would import"
	// OutcomeRecovered: the ledger already recorded the message (a run
	// ended between commit and move); it was only moved now.
	OutcomeRecovered = "recovered"
)

// DefaultBatchSize is the number of UIDs committed and moved together.
// Each batch costs a FETCH, a commit and a MOVE whatever its size (the
// MOVE alone some 20-50 ms on Dovecot); three batches are in memory at a
// time (fetched, committed, moving).
const DefaultBatchSize = 200

// Deps are what the importers need from their surroundings.
type Deps struct {
	Store  *store.Store
	Logger *slog.Logger     // nil: slog.Default()
	Now    func() time.Time // nil: time.Now
	// TempDir holds the spooled messages ("" = os.TempDir()).
	TempDir string
	// Fault is test-only fault injection: asked at FaultFetched,
	// FaultMidBatch and FaultAfterCommit, a returned error aborts the run
	// like a crash. FaultFetched is asked by the fetching goroutine while
	// the others may be asked for the batch before: Fault must be safe for
	// concurrent use. nil in production.
	Fault func(point string) error
	// Progress, when set, is told after each batch how many of the unseen
	// messages are done.
	Progress func(done, total int)
	// IMAPOptions are passed to mailbox.DialIMAP (e.g. WithoutMove).
	IMAPOptions []mailbox.IMAPOption
	// Node names this process as the holder of import leases (lease.go;
	// "" = hostname:pid).
	Node string
	// MaxImportedListed is how many imported mails a Result lists one by
	// one; further ones are only counted (0 = DefaultMaxImportedListed).
	MaxImportedListed int
}

func (d Deps) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d Deps) logger() *slog.Logger {
	if d.Logger != nil {
		return d.Logger
	}
	return slog.Default()
}

// Kind is what a Mapper decided for one message.
type Kind int

const (
	Import     Kind = iota // create Decision.Activity
	Quarantine             // record Decision.Reason, move to the error folder
	Skip                   // create nothing, move away, ledger row "skipped"
	Leave                  // leave the message untouched in the folder
)

func (k Kind) String() string {
	switch k {
	case Import:
		return "import"
	case Quarantine:
		return "quarantine"
	case Skip:
		return "skip"
	case Leave:
		return "leave"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Decision is a Mapper's verdict on one message (see the package doc).
type Decision struct {
	Kind     Kind
	Activity *store.Activity
	// Reason explains Quarantine, Skip and Leave.
	Reason string
	// Folder moves an imported or skipped message there instead of the
	// configuration's import folder.
	Folder string
	// NoDocuments: attach neither the attachments nor the raw .eml.
	NoDocuments bool
	// AfterCommit runs after the batch was committed and moved; activityID
	// is 0 for Skip.
	AfterCommit func(ctx context.Context, activityID int64) error
}

// Input is what a Mapper sees of one message.
type Input struct {
	Mail          *mailparse.Mail
	UID           uint32
	InternalDate  time.Time
	ContentSHA256 string
	Config        *store.MailConfig
	// RunAs is the employee the job runs as (creator; credentials
	// fallback); Delegate the one imported activities are delegated to
	// (RunAs unless the configuration names a responsible employee).
	// Either may be nil.
	RunAs    *store.Employee
	Delegate *store.Employee
	Settings store.Settings
	Store    *store.Store
	Folder   string
	// Sent: Folder is the mailbox's Sent Items (read over Graph): the
	// mail was sent from the mailbox, not received.
	Sent   bool
	DryRun bool
	// Related are earlier imports of this configuration with the same
	// Message-ID but different content.
	Related []store.LedgerEntry
	// OpenRaw opens the raw message as fetched (e.g. to forward it). It
	// stays valid until the batch is done, AfterCommit included.
	OpenRaw func() (io.ReadCloser, error)

	contacts *contactMemo // the run's; nil outside a pipeline run
}

// contactMemo remembers the contacts of each address looked up during one
// run: the senders of a mailbox repeat, and each is looked up once per
// run. Contacts added while the run goes on are seen by the next run.
type contactMemo struct {
	mu sync.Mutex
	m  map[string][]store.ContactMatch
}

// ContactsByEmail is Store.ContactsByEmail (addr case-insensitive),
// remembered for the rest of the import run.
func (in *Input) ContactsByEmail(ctx context.Context, addr string) ([]store.ContactMatch, error) {
	addr = strings.ToLower(strings.TrimSpace(addr))
	c := in.contacts
	if c == nil {
		return in.Store.ContactsByEmail(ctx, addr)
	}
	c.mu.Lock()
	ms, ok := c.m[addr]
	c.mu.Unlock()
	if ok {
		return ms, nil
	}
	ms, err := in.Store.ContactsByEmail(ctx, addr)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.m[addr] = ms
	c.mu.Unlock()
	return ms, nil
}

// Mapper decides what each message becomes.
type Mapper interface {
	Map(ctx context.Context, in *Input) (Decision, error)
}

// MapperFunc adapts a function into a Mapper.
type MapperFunc func(ctx context.Context, in *Input) (Decision, error)

// Map calls f.
func (f MapperFunc) Map(ctx context.Context, in *Input) (Decision, error) { return f(ctx, in) }

// Request is one import run of one configuration.
type Request struct {
	Config   *store.MailConfig
	RunAs    *store.Employee
	Delegate *store.Employee // nil: RunAs
	// Folder to import from ("" = INBOX).
	Folder    string
	BatchSize int // 0 = DefaultBatchSize
	DryRun    bool
	// Logf writes a line into the run record (may be nil).
	Logf func(format string, args ...any)
}

// MailOutcome is what became of one message.
type MailOutcome struct {
	UID               uint32   `json:"uid"`
	MessageID         string   `json:"message_id,omitempty"`
	Subject           string   `json:"subject,omitempty"`
	From              string   `json:"from,omitempty"`
	Outcome           string   `json:"outcome"`
	ActivityID        int64    `json:"activity_id,omitempty"`
	RelatedActivityID int64    `json:"related_activity_id,omitempty"`
	Reason            string   `json:"reason,omitempty"`
	Contacts          []string `json:"contacts,omitempty"`
	Folder            string   `json:"folder,omitempty"` // where it was moved
}

// Result is the outcome of one import run of one configuration.
type Result struct {
	MatchCode    string  `json:"match_code"`
	MailConfigID int64   `json:"mail_config_id"`
	Folder       string  `json:"folder"`
	UIDValidity  uint32  `json:"uid_validity"`
	DryRun       bool    `json:"dry_run,omitempty"`
	Unseen       int     `json:"unseen"`
	Imported     int     `json:"imported"`
	Duplicates   int     `json:"duplicates"`
	Quarantined  int     `json:"quarantined"`
	Skipped      int     `json:"skipped"`
	Left         int     `json:"left"`
	Recovered    int     `json:"recovered"`
	Moved        int     `json:"moved"` // mails moved out of Folder
	ActivityIDs  []int64 `json:"activity_ids"`

	// Committed counts the mails whose outcome (activity, quarantine,
	// duplicate or skip record) this run stored, as each batch's commit
	// ends and before the batch is moved: when a run stops midway it says
	// how many mails are safe and will not be imported again.
	Committed int `json:"committed"`

	// Mails lists what became of each mail: every mail of a dry run and
	// every mail not imported; of the imported ones the first 1,000, so
	// that a run over a large mailbox keeps its memory flat.
	// ImportedNotListed counts the imported mails beyond.
	Mails             []MailOutcome `json:"mails"`
	ImportedNotListed int           `json:"imported_not_listed,omitempty"`
	// Error is set by ImportAll when this configuration's import failed;
	// the counts then say what was done before the failure.
	Error string `json:"error,omitempty"`
}

// Pipeline is the fetch/spool/ledger/commit/move machinery shared by all
// importers; Mapper is what differs.
type Pipeline struct {
	Deps   Deps
	Mapper Mapper
}

// ErrNoStore: an importer was registered without a store (enough for
// listing actions, not for running them).
var ErrNoStore = errors.New("no store configured for the mail import")

// Run imports the unseen mail of req.Folder of req.Config. It returns the
// result so far also with an error (batches committed before the error
// stay committed and moved).
func (p *Pipeline) Run(ctx context.Context, req Request) (*Result, error) {
	cfg := req.Config
	if req.Folder == "" {
		req.Folder = "INBOX"
	}
	if req.BatchSize <= 0 {
		req.BatchSize = DefaultBatchSize
	}
	if req.Delegate == nil {
		req.Delegate = req.RunAs
	}
	res := &Result{MatchCode: cfg.MatchCode, MailConfigID: cfg.ID, Folder: req.Folder, DryRun: req.DryRun, ActivityIDs: []int64{}, Mails: []MailOutcome{}}
	st := p.Deps.Store
	if st == nil {
		return res, engine.Permanent(ErrNoStore)
	}
	if p.Mapper == nil {
		return res, engine.Permanent(fmt.Errorf("mail import of %s: no mapper", cfg.MatchCode))
	}
	if req.DryRun {
		return p.fetchAll(ctx, req, res)
	}
	// The import lease (lease.go): runs against one configuration never
	// overlap, whichever node or workflow starts them.
	lctx, release, err := p.Deps.takeLease(ctx, cfg)
	if err != nil {
		return res, err
	}
	defer release()
	res, err = p.fetchAll(lctx, req, res)
	return res, leaseLost(lctx, err)
}

// fetchAll connects and imports for Run (req has its defaults).
func (p *Pipeline) fetchAll(ctx context.Context, req Request, res *Result) (*Result, error) {
	cfg, st := req.Config, p.Deps.Store
	dial := mailconn.DialOptions{Now: p.Deps.Now, NoLock: req.DryRun, IMAP: p.Deps.IMAPOptions}
	c, concurrent, err := p.openSource(ctx, req, dial)
	if err != nil {
		return res, err
	}
	defer logout(ctx, c)
	var since time.Time
	if cfg.ImportSince != nil {
		since = *cfg.ImportSince
	}
	uidValidity, uids, err := c.ListUnseen(ctx, req.Folder, since)
	if err != nil {
		return res, fmt.Errorf("mail configuration %s: %w", cfg.MatchCode, err)
	}
	res.UIDValidity = uidValidity
	res.Unseen = len(uids)
	if len(uids) == 0 {
		return res, nil
	}
	settings, err := st.Settings(ctx)
	if err != nil {
		return res, engine.Retryable(err)
	}
	recorded, err := st.LedgerKeys(ctx, cfg.ID, req.Folder, uidValidity, uids)
	if err != nil {
		return res, engine.Retryable(err)
	}
	r := &run{p: p, req: req, res: res, c: c, concurrent: concurrent, dial: dial, st: st, settings: settings, recorded: recorded, uidValidity: uidValidity,
		sent: concurrent && isSentFolder(req.Folder), contacts: &contactMemo{m: map[string][]store.ContactMatch{}}, parseSlots: make(chan struct{}, parserCount)}
	defer func() {
		if r.mc != nil {
			logout(ctx, r.mc)
		}
	}()
	return res, r.stages(ctx, uids)
}

// logout ends a connection of the run, also when ctx ended.
func logout(ctx context.Context, c Source) {
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	c.Logout(lctx)
}

// run is the state of one Pipeline.Run. The fetch stage (fetchBatches)
// reads only p, req, c, st, recorded and uidValidity, which do not change
// during the run; everything else belongs to the commit stage.
type run struct {
	p   *Pipeline
	req Request
	res *Result
	c   Source // lists and fetches
	mc  Source // moves; opened at the first move (mover)
	// concurrent: c may fetch and move at the same time (Graph), so the
	// moves need no connection of their own
	concurrent bool
	// sent: the folder is a Sent Items folder (its mails are outgoing)
	sent bool
	// connMu is held by the fetch stage during a FETCH and by the mover
	// while it moves on c (moveShared: no connection of its own)
	connMu     sync.Mutex
	moveShared bool
	moveNote   string // a warning of the mover for the run record
	dial       mailconn.DialOptions
	st         *store.Store
	settings   store.Settings
	// recorded are the UIDs the import ledger held when the run started,
	// with their outcomes: these are only moved, not fetched. UIDs the
	// run commits are never seen again by it (batches are disjoint).
	recorded    map[uint32]string
	uidValidity uint32
	contacts    *contactMemo
	parseSlots  chan struct{} // parserCount parse jobs at a time
}

func (r *run) logf(format string, args ...any) {
	if r.req.Logf != nil {
		r.req.Logf(format, args...)
	}
}

func (r *run) key(uid uint32) store.LedgerKey {
	return store.LedgerKey{MailConfigID: r.req.Config.ID, Mailbox: r.req.Folder, UIDValidity: r.uidValidity, UID: uid}
}

// batch is one batch of UIDs on its way through the stages: filled by
// the fetch stage, then handed to the commit stage, which discards it when
// done with it.
type batch struct {
	msgs []*msg // sorted by UID once fetched
	// blobs holds the batch's raw messages and attachments, synced before
	// its commit; each batch has its own, as the next batch is spooled
	// while this one is synced and committed.
	blobs *store.BlobBatch
	end   int // index in the run's UIDs after this batch's last (progress)
	// parsed is closed when every message of the batch was parsed (and
	// the blobs' StartSync begun): the fetch stage hands a batch on as
	// soon as its FETCH is done, and the commit stage waits here.
	parsed chan struct{}
}

// discard removes what the batch left behind: the temporary files of
// blobs never synced and a dry run's spool files.
func (b *batch) discard() {
	if b.parsed != nil {
		<-b.parsed
	}
	b.blobs.Discard()
	for _, m := range b.msgs {
		if m.file != "" {
			os.Remove(m.file)
		}
	}
}

// msg is one message of a batch on its way through the pipeline.
type msg struct {
	uid      uint32
	internal time.Time
	file     string // a dry run's temporary spool file, removed after the batch
	sha      string
	size     int64
	mail     *mailparse.Mail
	rawBlob  string
	docs     []*store.Document
	dec      Decision
	out      MailOutcome
	item     int    // index in the commit items, -1 when none
	dest     string // folder to move to after the commit ("" = stay)
	ledger   string // outcome to record with RecordLedger after the commit
	prevAct  int64  // activity of the earlier identical message
	raw      []byte // the fetched message while its worker stores and parses it
	quarErr  string
	relIDs   []int64
	recorded string // the ledger's outcome of a UID recorded before the run
	finished bool   // nothing more to do before the commit
	parseErr error
}

func (r *run) importFolder() string {
	if f := strings.TrimSpace(r.req.Config.ImportFolder); f != "" {
		return f
	}
	return store.DefaultImportFolder
}

func (r *run) errorFolder() string {
	if f := strings.TrimSpace(r.req.Config.ErrorFolder); f != "" {
		return f
	}
	return store.DefaultErrorFolder
}
