package mailimport

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"

	"github.com/wfehq/wfe/actions/mailparse"
	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/internal/buflist"
	"github.com/wfehq/wfe/mailbox"
	"github.com/wfehq/wfe/store"
)

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
		buf, n, complete, err := rawBufs.Read(ctx, fm.Body)
		if err != nil {
			rawBufs.Put(buf)
			return fmt.Errorf("read UID %d: %w", m.uid, err)
		}
		if complete {
			m.raw = buf[:n]
			parsers.do(func() {
				m.parseErr = r.storeAndParse(ctx, b, m)
				m.raw = nil
				rawBufs.Put(buf)
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
		rawBufs.Put(buf)
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

// A fetched message of at most rawInMemory bytes is read into memory
// (most mails fit the small buffers of rawSmall bytes); larger ones are
// streamed into the blob store.
const (
	rawInMemory = 256 << 10
	rawSmall    = 32 << 10
)

// rawBufs hold the messages read into memory: one per parse job and one
// for the fetch.
var rawBufs = buflist.New(rawSmall, rawInMemory, parserCount+2)

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
