// Package timer runs timer tasks on schedule: a WORKFLOW task fires
// TimerWFEvent into its workflow as its run-as user (docs/REQUIREMENTS.md R40), the built-in
// MAIL_AUTO_IMPORT task imports the mail configurations flagged "import
// automatically" (R18). The package knows nothing of the store or of actions:
// tasks come from a TaskSource, ticks are claimed through a Claimer and run
// by an Executor; all three are supplied by the caller (cmd/wfecmd wires the
// store and the engine in).
//
// # One run per tick, on one node or many
//
// Every node runs its own Scheduler over the same task list. Each task is a
// named gocron v2 job (name = task name) on the injected clock. When a job wakes up, the node works out which tick it is serving and
// claims the pair (task name, scheduled time) through the Claimer before it
// executes anything. The store implements the claim as an insert under a
// unique key, so exactly one node wins each tick and the others record
// "claimed elsewhere".
//
// That only works if every node computes the same scheduled time for the same
// tick, although their clocks differ by a few milliseconds and their wake-ups
// are late by different amounts. The scheduled time is therefore never taken
// from the clock at fire time. It is a point of the schedule's grid:
//
//   - Every d: the points Start + k*d when the task has a Start, otherwise
//     Unix epoch + k*d (so "every 10 minutes" means :00, :10, :20 ... UTC on
//     every node, whenever each node started);
//   - Cron (5 fields, minute resolution): the cron slot times in the
//     scheduler's location (all nodes must use the same location).
//
// A wake-up at clock reading now serves the latest grid point at or before
// now+tolerance (tolerance = min(d/10, 1s), 1s for cron), which absorbs a
// timer that fires a little early after a wall-clock correction. A node that
// is late by less than one period still names the right tick; a node that is
// later than that serves a later tick, never an earlier one twice, and the
// claim keeps it at most once. The gocron jobs are registered on the same
// grid (a duration job started at a grid point, a cron job with the same
// expression), so gocron's wake-ups fall on the grid points.
//
// # No catch-up storm
//
// Each task remembers the first tick it has not served yet. A wake-up after
// downtime or a forward clock jump serves only the latest tick that is due
// and skips the missed ones; gocron itself also reschedules to the first grid
// point in the future. A second wake-up for a tick already served is ignored.
//
// # Singleton, window, shutdown
//
// A tick that comes while the previous run of the same task is still going
// on this node is skipped and recorded as OutcomeSkippedRunning, not queued.
// The singleton is a per-task busy flag of the Scheduler rather than
// gocron's WithSingletonMode: gocron holds its singleton slot until the task
// function has returned, after the outcome has been recorded, so a tick
// right after a finished run could be skipped, and gocron cannot see RunNow
// executions; the busy flag is released before the outcome is recorded and
// is shared with RunNow. Singleton is per node: two nodes may run the same
// task at the same time for different ticks. A task fires only inside its
// [Start, End] window; the first tick after End is recorded as
// OutcomeOutsideWindow and the task stops. Shutdown stops taking new ticks,
// waits for running executions up to the grace period, then cancels their
// context and waits for them to return.
//
// The task list is read again every reload interval (default 5s): tasks
// added, changed (any field, including Version and UpdatedAt), removed or
// made inactive are picked up within that interval.
package timer
