package sqldb

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// writeQueue lets one write of this process at a time into a SQLite file:
// a write transaction (or a write statement outside one) waits here for
// its turn, in the order of arrival, instead of in SQLite's busy handler,
// which retries by sleeping and so lets a waiting writer lose to newer
// ones until its busy timeout ends with SQLITE_BUSY. Every handle of this
// process on the same file shares the file's queue; other processes are
// still kept apart by SQLite's lock and busy timeout.
type writeQueue struct {
	path string
	turn chan struct{}
	// written tells a checkpointer that a write turn ended (checkpoint.go)
	written chan struct{}
	// restartWanted asks the next writer to checkpoint in its turn first,
	// so that the long log starts over (checkpoint.go)
	restartWanted atomic.Bool

	// got is when the current holder got its turn (written and read by
	// the holder only); the counters add up every turn.
	got                 time.Time
	turns, held, waited atomic.Int64
}

// WriteTurns sums the write turns of a SQLite file in this process: how
// many were taken, how long they were held and how long writers waited
// for them. It shows how busy the file's single writer is.
type WriteTurns struct {
	Turns        int64
	Held, Waited time.Duration
}

// WriteTurnsOf returns the write turns of the SQLite file path so far.
func WriteTurnsOf(path string) WriteTurns {
	q := writeQueueFor(path)
	return WriteTurns{Turns: q.turns.Load(), Held: time.Duration(q.held.Load()), Waited: time.Duration(q.waited.Load())}
}

// writeWait bounds the wait for the queue: far above any write
// transaction of the store, so that only a writer that waits for itself
// (a write outside the transaction it holds) ends with an error instead
// of waiting forever.
const writeWait = 5 * time.Minute

var (
	writeQueuesMu sync.Mutex
	writeQueues   = map[string]*writeQueue{}
)

// writeQueueFor returns the queue of the SQLite file path, the same for
// every spelling of the path.
func writeQueueFor(path string) *writeQueue {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	writeQueuesMu.Lock()
	defer writeQueuesMu.Unlock()
	q, ok := writeQueues[path]
	if !ok {
		q = &writeQueue{path: path, turn: make(chan struct{}, 1), written: make(chan struct{}, 1)}
		writeQueues[path] = q
	}
	return q
}

// acquire waits for the writer's turn; release gives it back. It fails
// when ctx ends first or after writeWait.
func (q *writeQueue) acquire(ctx context.Context) error {
	select {
	case q.turn <- struct{}{}:
		q.took(time.Time{})
		return nil
	default:
	}
	start := time.Now()
	timer := time.NewTimer(writeWait)
	defer timer.Stop()
	select {
	case q.turn <- struct{}{}:
		q.took(start)
		return nil
	case <-ctx.Done():
		return fmt.Errorf("SQLite %s: waiting for this process's write turn: %w", q.path, ctx.Err())
	case <-timer.C:
		return fmt.Errorf("SQLite %s: waited %s for this process's write turn (a write outside the transaction that holds it?)", q.path, writeWait)
	}
}

// took counts a turn taken after waiting since waitStart (zero: taken
// at once).
func (q *writeQueue) took(waitStart time.Time) {
	q.got = time.Now()
	q.turns.Add(1)
	if !waitStart.IsZero() {
		q.waited.Add(int64(q.got.Sub(waitStart)))
	}
}

func (q *writeQueue) release() {
	q.held.Add(int64(time.Since(q.got)))
	<-q.turn
	select {
	case q.written <- struct{}{}:
	default:
	}
}
