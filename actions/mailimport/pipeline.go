package mailimport

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"wfe/actions/mailconn"
	"wfe/actions/mailparse"
	"wfe/engine"
	"wfe/mailbox"
	"wfe/store"
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
// MOVE alone some 20-50 ms on Dovecot); four batches are in memory at a
// time (fetched, waiting, committed, moving).
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
	DryRun   bool
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

// classify maps an error to the engine's classes: transport failures by
// their kind, everything else as given (unclassified = permanent).
func classify(err error) error {
	if err == nil || engine.ClassOf(err) == engine.ClassRetryable {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if mailbox.IsRetryable(err) {
		return engine.Retryable(err)
	}
	return engine.Permanent(err)
}

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
	c, err := mailconn.DialIMAP(ctx, st, cfg, req.RunAs, dial)
	if err != nil {
		return res, classify(err)
	}
	defer logout(ctx, c)
	status, err := c.Select(ctx, req.Folder)
	if err != nil {
		return res, classify(fmt.Errorf("mail configuration %s: %w", cfg.MatchCode, err))
	}
	res.UIDValidity = status.UIDValidity
	var since time.Time
	if cfg.ImportSince != nil {
		since = *cfg.ImportSince
	}
	uids, err := c.SearchUnseen(ctx, since)
	if err != nil {
		return res, classify(fmt.Errorf("mail configuration %s: %w", cfg.MatchCode, err))
	}
	res.Unseen = len(uids)
	if len(uids) == 0 {
		return res, nil
	}
	settings, err := st.Settings(ctx)
	if err != nil {
		return res, engine.Retryable(err)
	}
	recorded, err := st.LedgerKeys(ctx, cfg.ID, req.Folder, status.UIDValidity, uids)
	if err != nil {
		return res, engine.Retryable(err)
	}
	r := &run{p: p, req: req, res: res, c: c, dial: dial, st: st, settings: settings, recorded: recorded, uidValidity: status.UIDValidity,
		contacts: &contactMemo{m: map[string][]store.ContactMatch{}}, parseSlots: make(chan struct{}, parserCount)}
	defer func() {
		if r.mc != nil {
			logout(ctx, r.mc)
		}
	}()
	return res, classify(r.stages(ctx, uids))
}

// logout ends a connection of the run, also when ctx ended.
func logout(ctx context.Context, c *mailbox.IMAP) {
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
	c   *mailbox.IMAP // selects, searches and fetches
	mc  *mailbox.IMAP // moves; opened at the first move (mover)
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

// batch is one batch of UIDs on its way through the two stages: filled by
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

// stages imports uids in batches with three stages: a goroutine fetches,
// spools and parses batch after batch (fetchBatches) on r.c; this one runs
// the Mapper and commits (commitBatch); and the batch committed before is
// moved meanwhile on a second connection (startMove), after which this
// goroutine accounts it and runs its follow-ups (finish). The fetched
// batches pass over a channel holding one, so at most four are held: one
// being fetched, one waiting, one being committed and one being moved.
// Mapper, result and follow-ups stay in this goroutine, in UID order.
//
// When the commit stage fails, the move under way is finished, the fetch
// stage stopped and its batch discarded before stages returns. When the
// fetch stage fails, the batches it handed on are committed and moved
// first, as a failing batch of a sequential import would leave the
// earlier ones done.
func (r *run) stages(ctx context.Context, uids []uint32) error {
	fctx, stop := context.WithCancel(ctx)
	fetched := make(chan *batch, 1) // one batch fetched ahead
	done := make(chan struct{})
	var fetchErr error
	go func() {
		defer close(done)
		fetchErr = r.fetchBatches(fctx, uids, fetched)
		close(fetched)
	}()
	defer func() {
		stop()
		<-done
		// batches fetched ahead and never committed
		for b := range fetched {
			b.discard()
		}
	}()
	var moving *moveJob
	finish := func() error {
		if moving == nil {
			return nil
		}
		err := r.finish(ctx, moving)
		if err == nil && r.p.Deps.Progress != nil {
			r.p.Deps.Progress(moving.b.end, len(uids))
		}
		moving = nil
		return err
	}
	for b := range fetched {
		move, err := r.commitBatch(ctx, b)
		// the batch before has moved meanwhile (or failed to)
		if ferr := finish(); err == nil {
			err = ferr
		}
		if err != nil {
			b.discard()
			return err
		}
		if !move {
			b.discard()
			if r.p.Deps.Progress != nil {
				r.p.Deps.Progress(b.end, len(uids))
			}
			continue
		}
		moving = r.startMove(ctx, b)
	}
	if err := finish(); err != nil {
		return err
	}
	// fetched is closed: fetchErr is set
	return fetchErr
}

// moveJob is a committed batch being moved by its own goroutine.
type moveJob struct {
	b    *batch
	done chan error
}

// startMove moves the committed batch b on the move connection while the
// caller commits the next one.
func (r *run) startMove(ctx context.Context, b *batch) *moveJob {
	j := &moveJob{b: b, done: make(chan error, 1)}
	go func() { j.done <- r.move(ctx, b.msgs) }()
	return j
}

// finish waits for j's move; once the batch has left the folder it is
// accounted and its follow-ups run. The batch is discarded either way.
func (r *run) finish(ctx context.Context, j *moveJob) error {
	defer j.b.discard()
	err := <-j.done
	if r.moveNote != "" {
		r.logf("warning: %s", r.moveNote)
		r.moveNote = ""
	}
	if err != nil {
		return err
	}
	for _, m := range j.b.msgs {
		r.account(m)
	}
	for _, m := range j.b.msgs {
		if m.dec.AfterCommit == nil || (m.out.Outcome != store.OutcomeImported && m.out.Outcome != OutcomeSkipped) {
			continue
		}
		if err := m.dec.AfterCommit(ctx, m.out.ActivityID); err != nil {
			r.logf("warning: UID %d (%s): follow-up after import failed: %v", m.uid, m.out.Subject, err)
			r.p.Deps.logger().Warn("mail import: follow-up failed", "match_code", r.req.Config.MatchCode, "uid", m.uid, "err", err)
		}
	}
	return nil
}

// fetchBatches is the fetch stage: it fetches the batches of uids one
// after the other and hands each on over out. A batch it cannot hand on
// it discards.
func (r *run) fetchBatches(ctx context.Context, uids []uint32, out chan<- *batch) error {
	for start := 0; start < len(uids); start += r.req.BatchSize {
		end := min(start+r.req.BatchSize, len(uids))
		b, err := r.fetchBatch(ctx, uids[start:end])
		if f := r.p.Deps.Fault; err == nil && f != nil {
			if ferr := f(FaultFetched); ferr != nil {
				err = fmt.Errorf("mail configuration %s: aborted after fetching: %w", r.req.Config.MatchCode, ferr)
			}
		}
		if err != nil {
			b.discard()
			return err
		}
		b.end = end
		select {
		case out <- b:
		case <-ctx.Done():
			b.discard()
			return ctx.Err()
		}
	}
	return nil
}

// fetchBatch fetches the messages of uids not recorded in the ledger,
// spooling and parsing each; it returns the batch also with an error, for
// discarding.
func (r *run) fetchBatch(ctx context.Context, uids []uint32) (*batch, error) {
	cfg := r.req.Config
	b := &batch{blobs: r.st.NewBlobBatch()}
	var fetch []uint32
	for _, uid := range uids {
		if outcome, ok := r.recorded[uid]; ok {
			// recorded before: the run that recorded it ended before the
			// move; move it now, create nothing
			b.msgs = append(b.msgs, &msg{uid: uid, item: -1, finished: true, recorded: outcome,
				out: MailOutcome{UID: uid, Outcome: OutcomeRecovered, Reason: "already recorded in the import ledger as " + outcome}})
			continue
		}
		fetch = append(fetch, uid)
	}
	// Each fetched message is parsed (its attachments stored) by a worker
	// while the next ones are fetched; the Mapper runs in the commit
	// stage, in UID order.
	parsers := newParsers(r.parseSlots)
	byUID := map[uint32]*msg{}
	// the mover takes the connection between two fetches when it has
	// none of its own
	r.connMu.Lock()
	err := r.c.FetchStream(ctx, fetch, func(fm *mailbox.Message) error {
		m := &msg{uid: fm.UID, internal: fm.InternalDate, item: -1, out: MailOutcome{UID: fm.UID}}
		b.msgs = append(b.msgs, m)
		byUID[fm.UID] = m
		if r.req.DryRun {
			if err := r.spool(ctx, b, m, fm.Body); err != nil {
				return err
			}
			parsers.do(func() { m.parseErr = r.parse(ctx, b, m) })
			return nil
		}
		// A message that fits into a buffer is only read here: its
		// worker hashes, stores and parses it, so this goroutine goes
		// back to the connection at once. A larger one is streamed into
		// the blob store here and parsed from there.
		buf := getRawBuf()
		n, complete, err := readAtMost(fm.Body, buf)
		if err != nil {
			putRawBuf(buf)
			return fmt.Errorf("read UID %d: %w", m.uid, err)
		}
		if complete {
			m.raw = buf[:n]
			parsers.do(func() {
				m.parseErr = r.storeAndParse(ctx, b, m)
				m.raw = nil
				putRawBuf(buf)
			})
			return nil
		}
		// A larger message goes through a pipe to its worker, which
		// hashes and stores it while this goroutine reads on, and then
		// parses it from the blob store.
		pr, pw := io.Pipe()
		parsers.do(func() {
			sha, size, err := b.blobs.PutFresh(ctx, pr)
			if err != nil {
				pr.CloseWithError(err)
				m.parseErr = &storageError{fmt.Errorf("store the message: %w", err)}
				return
			}
			m.sha, m.size, m.rawBlob = sha, size, sha
			m.parseErr = r.parse(ctx, b, m)
		})
		_, err = io.Copy(pw, io.MultiReader(bytes.NewReader(buf[:n]), fm.Body))
		pw.CloseWithError(err) // nil: the worker reads EOF
		// the pipe hands over synchronously: the worker has read all of
		// the buffer once Copy returned
		putRawBuf(buf)
		if err != nil {
			return engine.Retryable(fmt.Errorf("store UID %d: %w", m.uid, err))
		}
		return nil
	})
	r.connMu.Unlock()
	// the last messages are parsed while the next batch is fetched
	b.parsed = make(chan struct{})
	startSync := err == nil && !r.req.DryRun
	go func() {
		parsers.wait()
		if startSync {
			// the disk makes the batch's blobs durable while the batch
			// waits for the commit stage; its Sync waits for this one
			b.blobs.StartSync()
		}
		close(b.parsed)
	}()
	if err != nil {
		return b, fmt.Errorf("mail configuration %s folder %q: %w", cfg.MatchCode, r.req.Folder, err)
	}
	for _, uid := range fetch {
		if byUID[uid] == nil {
			r.p.Deps.logger().Warn("mail import: message vanished before it was fetched", "match_code", cfg.MatchCode, "uid", uid)
		}
	}
	sort.Slice(b.msgs, func(i, j int) bool { return b.msgs[i].uid < b.msgs[j].uid })
	return b, nil
}

// commitBatch is the commit stage for one fetched batch: ledger checks and
// Mapper in UID order, blob sync, one commit and the ledger rows. It
// reports whether the batch is to be moved (startMove) now: not in a dry
// run, which it accounts itself.
func (r *run) commitBatch(ctx context.Context, b *batch) (move bool, err error) {
	cfg := r.req.Config
	<-b.parsed
	msgs := b.msgs
	for _, m := range msgs {
		if m.recorded != "" {
			m.dest = r.destForKnown(ctx, m.uid, m.recorded)
		}
	}
	known, err := r.ledgerMatches(ctx, msgs)
	if err != nil {
		return false, err
	}
	var items []store.ImportItem
	batchIDs := map[string]uint32{}
	for _, m := range msgs {
		if m.finished {
			continue
		}
		if err := r.prepare(ctx, b, m, known, batchIDs); err != nil {
			return false, err
		}
		if m.item == -2 {
			items = append(items, r.commitItem(m))
			m.item = len(items) - 1
		}
		if f := r.p.Deps.Fault; f != nil {
			if err := f(FaultMidBatch); err != nil {
				return false, fmt.Errorf("mail configuration %s: aborted before commit: %w", cfg.MatchCode, err)
			}
		}
	}
	if r.req.DryRun {
		for _, m := range msgs {
			r.account(m)
		}
		return false, nil
	}
	if err := b.blobs.Sync(); err != nil {
		return false, engine.Retryable(fmt.Errorf("mail configuration %s: %w", cfg.MatchCode, err))
	}
	if len(items) > 0 {
		results, err := r.st.CommitImport(ctx, items)
		if err != nil {
			return false, engine.Retryable(fmt.Errorf("mail configuration %s: commit of %d message(s): %w", cfg.MatchCode, len(items), err))
		}
		for _, m := range msgs {
			if m.item >= 0 {
				r.applyResult(m, results[m.item])
			}
		}
	}
	// committed: the parsed mails and activities are not needed any more
	// while the batch waits for its move
	for _, m := range msgs {
		m.mail, m.docs = nil, nil
		m.dec.Activity = nil
	}
	for _, m := range msgs {
		if m.ledger == "" {
			continue
		}
		e := &store.LedgerEntry{MailConfigID: cfg.ID, Mailbox: r.req.Folder, UIDValidity: int64(r.uidValidity), UID: int64(m.uid),
			MessageID: m.out.MessageID, ContentSHA256: m.sha, Outcome: m.ledger, Error: m.out.Reason, CreatedAt: r.p.Deps.now()}
		if m.prevAct != 0 {
			e.ActivityID = &m.prevAct
		}
		if err := r.st.RecordLedger(ctx, e); err != nil && !errors.Is(err, store.ErrConflict) {
			return false, engine.Retryable(fmt.Errorf("mail configuration %s: %w", cfg.MatchCode, err))
		}
	}
	if f := r.p.Deps.Fault; f != nil {
		if err := f(FaultAfterCommit); err != nil {
			return false, fmt.Errorf("mail configuration %s: aborted after commit, before move: %w", cfg.MatchCode, err)
		}
	}
	return true, nil
}

// destForKnown is where a message recorded in the ledger goes.
func (r *run) destForKnown(ctx context.Context, uid uint32, outcome string) string {
	switch outcome {
	case store.OutcomeQuarantined:
		return r.errorFolder()
	case store.OutcomeImported:
		if e, err := r.st.LedgerByKey(ctx, r.key(uid)); err == nil && e.ActivityID != nil {
			if a, err := r.st.GetActivity(ctx, *e.ActivityID); err == nil && a.ImportFolder != "" {
				return a.ImportFolder
			}
		}
	}
	return r.importFolder()
}

// spool writes the message body to disk, hashing it: straight into the
// blob store (the raw .eml is kept anyway; the batch's blobs are synced
// before its commit), or in a dry run into a temporary file.
func (r *run) spool(ctx context.Context, b *batch, m *msg, body io.Reader) error {
	if !r.req.DryRun {
		// a fetched message is almost never stored already (the ledger
		// finds a repeated one by its content hash): no lookup
		sha, size, err := b.blobs.PutFresh(ctx, body)
		if err != nil {
			return engine.Retryable(fmt.Errorf("store UID %d: %w", m.uid, err))
		}
		m.sha, m.size, m.rawBlob = sha, size, sha
		return nil
	}
	f, err := os.CreateTemp(r.p.Deps.TempDir, "wfe-mail-*.eml")
	if err != nil {
		return fmt.Errorf("spool UID %d: %w", m.uid, err)
	}
	m.file = f.Name()
	h := mailparse.NewHashingReader(body)
	_, err = io.Copy(f, h)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("spool UID %d: %w", m.uid, err)
	}
	m.sha, m.size = h.Sum(), h.Size()
	return nil
}

// ledgerMatches looks up, with one query per batch, the earlier ledger rows
// prepare checks: those with the content hash of a message of the batch and
// those with the Message-ID of a parsed one. Nothing writes ledger rows
// between this lookup and the commit, which checks again for other writers.
func (r *run) ledgerMatches(ctx context.Context, msgs []*msg) (store.LedgerMatches, error) {
	var hashes, ids []string
	for _, m := range msgs {
		if m.finished {
			continue
		}
		hashes = append(hashes, m.sha)
		if m.parseErr == nil && m.mail != nil {
			ids = append(ids, m.mail.MessageID)
		}
	}
	known, err := r.st.LedgerByContents(ctx, r.req.Config.ID, hashes, ids)
	if err != nil {
		return known, engine.Retryable(err)
	}
	return known, nil
}

// prepare runs the ledger checks, the parse and the Mapper for one message,
// with the batch's earlier ledger rows in known. It sets m.item to -2 when
// the message needs a commit item.
func (r *run) prepare(ctx context.Context, b *batch, m *msg, known store.LedgerMatches, batchIDs map[string]uint32) error {
	cfg := r.req.Config
	if err := m.parseErr; err != nil && errors.As(err, new(*storageError)) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// the disk failed, not the mail: nothing of the batch is
		// committed or moved, a later run imports it
		return engine.Retryable(fmt.Errorf("mail configuration %s UID %d: %w", cfg.MatchCode, m.uid, err))
	}
	// identical content imported before: a duplicate, nothing twice
	for _, e := range known.ByContent[m.sha] {
		if e.Outcome != store.OutcomeImported {
			continue
		}
		m.out.MessageID = e.MessageID
		m.out.Outcome, m.out.Reason = store.OutcomeDuplicate, "same content already imported"
		if e.ActivityID != nil {
			m.prevAct = *e.ActivityID
			m.out.ActivityID = *e.ActivityID
			m.out.Reason = fmt.Sprintf("same Message-ID and content already imported as activity %d", *e.ActivityID)
		}
		m.ledger, m.dest = store.OutcomeDuplicate, r.importFolder()
		return nil
	}

	if err := m.parseErr; err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r.quarantine(m, err.Error())
		return nil
	}
	mail := m.mail
	m.out.MessageID, m.out.Subject, m.out.From = mail.MessageID, mail.Subject, mail.From.Addr
	in := &Input{Mail: mail, UID: m.uid, InternalDate: m.internal, ContentSHA256: m.sha, Config: cfg,
		RunAs: r.req.RunAs, Delegate: r.req.Delegate, Settings: r.settings, Store: r.st, Folder: r.req.Folder, DryRun: r.req.DryRun,
		OpenRaw: r.opener(b, m), contacts: r.contacts}
	if mail.MessageID != "" {
		for _, e := range known.ByMessageID[mail.MessageID] {
			if e.Outcome == store.OutcomeImported && e.ContentSHA256 != m.sha {
				in.Related = append(in.Related, e)
			}
		}
	}
	dec, err := r.p.Mapper.Map(ctx, in)
	if err != nil {
		return fmt.Errorf("mail configuration %s UID %d: %w", cfg.MatchCode, m.uid, err)
	}
	m.dec = dec
	switch dec.Kind {
	case Import:
		if dec.Activity == nil {
			return engine.Permanent(fmt.Errorf("mail configuration %s UID %d: the mapper decided to import but gave no activity", cfg.MatchCode, m.uid))
		}
		r.completeActivity(m, in, batchIDs)
		m.out.Contacts = contactLabels(dec.Activity)
		if r.req.DryRun {
			m.out.Outcome = OutcomeDryRun
			r.logf("dry run: would import UID %d %q from %s as %s/%s, contacts: %s", m.uid, mail.Subject, mail.From.Addr,
				dec.Activity.Type, dec.Activity.Status, strings.Join(orNone(dec.Activity.MatchExplanation), "; "))
			return nil
		}
		m.dest = r.importFolder()
		if dec.Folder != "" {
			m.dest = dec.Folder
		}
		dec.Activity.ImportFolder = firstNonEmpty(dec.Activity.ImportFolder, m.dest)
		m.item = -2
	case Quarantine:
		r.quarantine(m, dec.Reason)
	case Skip:
		m.out.Outcome, m.out.Reason = OutcomeSkipped, dec.Reason
		if r.req.DryRun {
			r.logf("dry run: would skip UID %d %q: %s", m.uid, mail.Subject, dec.Reason)
			return nil
		}
		m.ledger = OutcomeSkipped
		m.dest = firstNonEmpty(dec.Folder, r.importFolder())
	case Leave:
		m.out.Outcome, m.out.Reason = OutcomeLeft, dec.Reason
		if r.req.DryRun {
			r.logf("dry run: would leave UID %d %q in %s: %s", m.uid, mail.Subject, r.req.Folder, dec.Reason)
		}
	default:
		return engine.Permanent(fmt.Errorf("mail configuration %s UID %d: unknown decision %v", cfg.MatchCode, m.uid, dec.Kind))
	}
	return nil
}

// parserCount is how many fetched messages of a run are parsed at the same
// time (parsing and storing attachments waits on the disk as much as on
// the CPU).
const parserCount = 4

// parsers runs a batch's parse jobs on the run's parse slots (at most
// parserCount jobs of all batches at a time).
type parsers struct {
	sem chan struct{}
	wg  sync.WaitGroup
}

func newParsers(slots chan struct{}) *parsers { return &parsers{sem: slots} }

// do runs job on a worker, waiting for a free one.
func (p *parsers) do(job func()) {
	p.sem <- struct{}{}
	p.wg.Add(1)
	go func() {
		defer func() { <-p.sem; p.wg.Done() }()
		job()
	}()
}

// wait waits for every job started.
func (p *parsers) wait() { p.wg.Wait() }

// opener opens m's raw message: its blob in b's blobs (synced or not), or
// in a dry run its spool file.
func (r *run) opener(b *batch, m *msg) func() (io.ReadCloser, error) {
	if m.file != "" {
		return func() (io.ReadCloser, error) { return os.Open(m.file) }
	}
	blobs := b.blobs
	return func() (io.ReadCloser, error) {
		f, err := blobs.Open(m.sha)
		if err != nil {
			return nil, err
		}
		return f, nil
	}
}

// storageError is a failure of the local disk while a message is parsed
// (a full blob directory, say): unlike a broken mail it is no reason to
// quarantine the message.
type storageError struct{ err error }

func (e *storageError) Error() string { return e.err.Error() }
func (e *storageError) Unwrap() error { return e.err }

// rawInMemory is the largest message a fetch hands to its worker in
// memory (rawBufs); larger ones are streamed into the blob store.
const rawInMemory = 256 << 10

// rawBufs is a free list of message buffers (a sync.Pool would be
// emptied by every garbage collection, and most messages would get a
// newly allocated and cleared half megabyte).
var rawBufs = make(chan []byte, parserCount+2)

func getRawBuf() []byte {
	select {
	case b := <-rawBufs:
		return b
	default:
		return make([]byte, rawInMemory+1)
	}
}

func putRawBuf(b []byte) {
	select {
	case rawBufs <- b:
	default:
	}
}

// readAtMost reads r into buf until r ends (complete) or buf is full.
func readAtMost(r io.Reader, buf []byte) (n int, complete bool, err error) {
	for n < len(buf) {
		k, err := r.Read(buf[n:])
		n += k
		if err == io.EOF {
			return n, true, nil
		}
		if err != nil {
			return n, false, err
		}
	}
	return n, false, nil
}

// storeAndParse stores m's raw message, held in m.raw, in the blob store
// and parses it from memory.
func (r *run) storeAndParse(ctx context.Context, b *batch, m *msg) error {
	m.size = int64(len(m.raw))
	// a fetched message is almost never stored already (the ledger finds
	// a repeated one by its content hash): no lookup
	sha, err := b.blobs.PutFreshBytes(ctx, m.raw)
	if err != nil {
		sum := sha256.Sum256(m.raw)
		m.sha = hex.EncodeToString(sum[:])
		return &storageError{fmt.Errorf("store the message: %w", err)}
	}
	m.sha, m.rawBlob = sha, sha
	return r.parseFrom(ctx, b, m, bytes.NewReader(m.raw))
}

// parse reads the spooled message; outside a dry run attachments and the
// raw message go into the blob store.
func (r *run) parse(ctx context.Context, b *batch, m *msg) error {
	f, err := r.opener(b, m)()
	if err != nil {
		return &storageError{fmt.Errorf("read spooled message: %w", err)}
	}
	defer f.Close()
	return r.parseFrom(ctx, b, m, f)
}

// parseFrom parses m's raw message from raw; outside a dry run its
// attachments go into the blob store.
func (r *run) parseFrom(ctx context.Context, b *batch, m *msg, raw io.Reader) error {
	// the spooled message was hashed while it was written: m.sha
	opts := mailparse.Options{SkipContentHash: true}
	if !r.req.DryRun {
		// the blob store hashes what it writes: the attachment's hash
		opts.StoreAttachment = func(a *mailparse.Attachment, content io.Reader) (string, int64, error) {
			sha, size, err := b.blobs.Put(ctx, content)
			if err != nil {
				return "", 0, &storageError{fmt.Errorf("store attachment %q: %w", a.Name, err)}
			}
			m.docs = append(m.docs, &store.Document{Name: a.Name, ContentType: a.ContentType, Size: size, SHA256: sha})
			return sha, size, nil
		}
	}
	mail, err := mailparse.Parse(raw, opts)
	if err != nil {
		return fmt.Errorf("parse: %w", err)
	}
	mail.ContentHash = m.sha
	m.mail = mail
	return nil
}

// quarantine marks m for the error folder; its raw message is kept as
// the blob it was spooled to.
func (r *run) quarantine(m *msg, reason string) {
	m.out.Outcome, m.out.Reason = store.OutcomeQuarantined, reason
	m.docs = nil
	if r.req.DryRun {
		r.logf("dry run: would quarantine UID %d: %s", m.uid, reason)
		return
	}
	m.quarErr = reason
	m.dest = r.errorFolder()
	m.item = -2
}

// completeActivity fills what the pipeline owns on an activity.
func (r *run) completeActivity(m *msg, in *Input, batchIDs map[string]uint32) {
	a := m.dec.Activity
	mail := m.mail
	if a.GlobalID == "" {
		a.GlobalID = mail.MessageID
	}
	if a.MailConfigID == nil {
		id := r.req.Config.ID
		a.MailConfigID = &id
	}
	for _, e := range in.Related {
		if e.ActivityID != nil {
			a.MatchExplanation = append(a.MatchExplanation, fmt.Sprintf("Message-ID <%s> was imported before with different content as activity %d", mail.MessageID, *e.ActivityID))
			m.relIDs = append(m.relIDs, *e.ActivityID)
		}
	}
	if mail.MessageID != "" {
		if other, ok := batchIDs[mail.MessageID]; ok {
			a.MatchExplanation = append(a.MatchExplanation, fmt.Sprintf("Message-ID <%s> is shared with UID %d of the same import batch (different content)", mail.MessageID, other))
		} else {
			batchIDs[mail.MessageID] = m.uid
		}
	}
	if m.dec.NoDocuments {
		m.docs = nil
		return
	}
	if m.rawBlob != "" {
		m.docs = append(m.docs, &store.Document{Name: emlName(mail.Subject), ContentType: "message/rfc822", Size: m.size, SHA256: m.rawBlob})
	}
}

func (r *run) commitItem(m *msg) store.ImportItem {
	it := store.ImportItem{Key: r.key(m.uid), MessageID: m.out.MessageID, ContentSHA256: m.sha, RawBlob: m.rawBlob}
	if m.out.Outcome == store.OutcomeQuarantined {
		it.QuarantineError = m.quarErr
		return it
	}
	it.Activity = m.dec.Activity
	it.Documents = m.docs
	return it
}

func (r *run) applyResult(m *msg, res store.ImportItemResult) {
	switch res.Outcome {
	case store.OutcomeImported:
		m.out.Outcome, m.out.ActivityID, m.out.RelatedActivityID = store.OutcomeImported, res.ActivityID, res.RelatedActivityID
		if res.RelatedActivityID != 0 {
			r.logf("UID %d: Message-ID <%s> was imported before with different content as activity %d; imported as activity %d", m.uid, m.out.MessageID, res.RelatedActivityID, res.ActivityID)
		}
	case store.OutcomeQuarantined:
		m.out.Outcome = store.OutcomeQuarantined
	case store.OutcomeDuplicate:
		m.out.Outcome, m.out.ActivityID = store.OutcomeDuplicate, res.ActivityID
		m.out.Reason = "duplicate (" + res.DuplicateReason + ")"
		m.dest = r.importFolder()
		if res.DuplicateReason != "ledger key" {
			// an identical message earlier in this batch: record this UID too
			m.ledger, m.prevAct = store.OutcomeDuplicate, res.ActivityID
		}
	}
}

// move moves the batch's messages, one command per destination folder.
func (r *run) move(ctx context.Context, msgs []*msg) error {
	byDest := map[string][]uint32{}
	var dests []string
	for _, m := range msgs {
		if m.dest == "" || m.out.Outcome == OutcomeLeft {
			continue
		}
		if _, ok := byDest[m.dest]; !ok {
			dests = append(dests, m.dest)
		}
		byDest[m.dest] = append(byDest[m.dest], m.uid)
	}
	for _, d := range dests {
		c, shared, err := r.mover(ctx)
		if err == nil {
			if shared {
				r.connMu.Lock()
			}
			err = c.Move(ctx, byDest[d], d)
			if shared {
				r.connMu.Unlock()
			}
		}
		if err != nil {
			return fmt.Errorf("mail configuration %s: committed %d message(s) but could not move them from %q (the next run moves them): %w",
				r.req.Config.MatchCode, len(byDest[d]), r.req.Folder, err)
		}
	}
	for _, m := range msgs {
		if m.dest != "" && m.out.Outcome != OutcomeLeft {
			m.out.Folder = m.dest
		}
	}
	return nil
}

// mover returns the connection the batches' messages are moved on, opening
// it at the first move: a second connection, so that a move does not wait
// for the fetch of the next batch on the first. It must see the folder
// with the UIDVALIDITY the UIDs were read under; otherwise the UIDs name
// other messages, and nothing is moved (the next run finds what was
// committed in the ledger by content and moves it).
//
// A server that refuses the second connection (a limit of connections per
// user, say) gets the moves on the fetch connection, between two fetches
// (shared): slower, but the run goes on. The refused login does not lock
// the configuration: the first one showed the credentials are good.
func (r *run) mover(ctx context.Context) (c *mailbox.IMAP, shared bool, err error) {
	if r.mc != nil {
		return r.mc, false, nil
	}
	if r.moveShared {
		return r.c, true, nil
	}
	dial := r.dial
	dial.NoLock = true
	c, err = mailconn.DialIMAP(ctx, r.st, r.req.Config, r.req.RunAs, dial)
	if err != nil {
		if ctx.Err() != nil {
			return nil, false, ctx.Err()
		}
		r.moveShared = true
		r.moveNote = fmt.Sprintf("a second connection for moving was refused, the mails are moved on the fetch connection between fetches: %v", err)
		r.p.Deps.logger().Warn("mail import: moving on the fetch connection", "match_code", r.req.Config.MatchCode, "err", err)
		return r.c, true, nil
	}
	status, err := c.Select(ctx, r.req.Folder)
	if err == nil && status.UIDValidity != r.uidValidity {
		err = engine.Retryable(fmt.Errorf("the UIDVALIDITY of %q changed from %d to %d during the import", r.req.Folder, r.uidValidity, status.UIDValidity))
	}
	if err != nil {
		logout(ctx, c)
		return nil, false, err
	}
	r.mc = c
	return c, false, nil
}

// account adds a finished message to the result.
func (r *run) account(m *msg) {
	res := r.res
	switch m.out.Outcome {
	case store.OutcomeImported:
		res.Imported++
		res.ActivityIDs = append(res.ActivityIDs, m.out.ActivityID)
	case store.OutcomeDuplicate:
		res.Duplicates++
	case store.OutcomeQuarantined:
		res.Quarantined++
	case OutcomeSkipped:
		res.Skipped++
	case OutcomeLeft:
		res.Left++
	case OutcomeRecovered:
		res.Recovered++
	}
	if m.out.Folder != "" {
		res.Moved++
	}
	if m.out.Outcome == store.OutcomeImported && res.Imported > maxImportedListed {
		res.ImportedNotListed++
		return
	}
	res.Mails = append(res.Mails, m.out)
}

// maxImportedListed is how many imported mails a Result lists one by one
// (a variable for tests).
var maxImportedListed = 1000

func contactLabels(a *store.Activity) []string {
	return append([]string(nil), a.MatchExplanation...)
}

func orNone(l []string) []string {
	if len(l) == 0 {
		return []string{"none"}
	}
	return l
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// emlName derives a file name for the raw message from its subject.
func emlName(subject string) string {
	var b strings.Builder
	for _, r := range subject {
		switch {
		case r < 0x20 || strings.ContainsRune(`/\:*?"<>|`, r):
			b.WriteRune('_')
		default:
			b.WriteRune(r)
		}
		if b.Len() >= 80 {
			break
		}
	}
	name := strings.TrimSpace(b.String())
	if name == "" {
		name = "message"
	}
	return name + ".eml"
}
