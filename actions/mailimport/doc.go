// Package mailimport imports mail from IMAP mailboxes, and from Microsoft
// 365 mailboxes over Graph, into CRM activities:
// the ImportMailsAction and CloseWorkSpaceAction of the CRM documentation's example workflow
// (docs/REQUIREMENTS.md R10–R12), the import without a workflow (ImportAll, docs/REQUIREMENTS.md R18–R19),
// and the reusable Pipeline every importer of wfe is built on.
//
// # The pipeline
//
// Pipeline.Run reads the unseen mails of one folder of one mail
// configuration in batches of UIDs and keeps the invariants of DESIGN "Mail
// import" for every importer:
//
//  1. Each message is fetched with BODY.PEEK[] (no \Seen) and handed to a
//     parse worker: up to 256 KiB in memory, a larger one through a pipe,
//     so memory stays bounded whatever the size of the mail. The worker
//     computes its SHA-256 and stores it in the batch's blob pack (a dry
//     run: a temporary file); the batch's blobs are fsynced while it waits
//     for its commit and recorded in the commit's transaction, which
//     commits once they are on disk.
//  2. A UID already in the import ledger (a crash came between commit and
//     move) is only moved; an identical message (same content hash) already
//     imported from the configuration gets a "duplicate" ledger row and is
//     moved; nothing is imported twice.
//  3. The message is parsed (mailparse) while its attachments stream into
//     the blob store; the raw .eml is kept as a blob too. A message that
//     cannot be parsed or stored is quarantined: a ledger row with the
//     error and the raw message, and a move to the error folder. The run
//     goes on.
//  4. The Mapper decides what the message becomes (below).
//  5. The batch is committed in ONE transaction (activities, documents,
//     links, ledger rows), and only THEN are exactly that batch's UIDs
//     moved, with one MOVE per destination folder.
//
// The run has three stages that overlap. A goroutine fetches and spools
// batch after batch on the connection that searched the folder (steps 1
// and 3; the workers parse while the next messages, and the next batch,
// are fetched). The goroutine that called Run takes each batch, in UID
// order, through the ledger checks, the Mapper and the commit (steps 2, 4
// and 5), while the batch committed before is moved by a goroutine of its
// own; once that move is done, the caller's goroutine accounts the batch
// and runs its follow-ups. The fetch stage is at most one batch ahead of
// the commit, so at most three are held: being fetched (or waiting to be
// handed on), being committed and being moved (a committed batch keeps
// only what its move and follow-ups need).
// The moves go over a second connection, opened at the first move (a dry
// run, or a run that moves nothing, logs in once), so that a MOVE does not
// wait for the FETCH of the next batch; it must see the folder with the
// same UIDVALIDITY, or nothing is moved and the run fails (the next run
// finds what was committed in the ledger and moves it). When the commit
// stage fails, the move under way is finished, the fetch stage stopped and
// the batches not committed discarded (their blobs and spool files are
// removed); when the fetch stage fails, the batches it handed on are
// committed and moved before the run ends with its error.
//
// # Sources
//
// The pipeline reads a Source: an IMAP connection, or for a configuration
// without an IMAP server whose groupware is Microsoft Graph a Graph mail
// folder (graphsource.go). A Graph folder lists its unread messages (all of
// Sent Items), fetches each as MIME ($value) and moves them in batches; as
// Graph has no UIDs, each run numbers the listed messages under a
// UIDVALIDITY of its own, and a message seen again after a run ended
// between commit and move is found by its content hash (step 2) and only
// moved. It fetches and moves at the same time, so the moves need no
// second connection. The mails of Sent Items reach the Mapper with
// Input.Sent set.
//
// # The Mapper contract
//
// A Mapper is called once per parsed message with an Input (the parsed
// mail, its UID and hash, the configuration, the run-as and delegate
// employees, the settings, the store and earlier imports with the same
// Message-ID) and returns a Decision:
//
//   - Import: Decision.Activity holds the activity to create: type,
//     status, fields, ContactIDs/PartnerIDs, MatchExplanation lines and
//     Unassigned. BaseActivity fills the fields every mail activity shares
//     and LinkContacts the contact links; a Mapper starts from them. The
//     pipeline then sets GlobalID (Message-ID), MailConfigID and
//     ImportFolder when left empty, adds a line for a Message-ID imported
//     before with different content, and attaches the documents (each
//     attachment and the original .eml). Decision.Folder moves the mail to
//     another folder than the configuration's import folder.
//   - Quarantine: Decision.Reason says why; the mail goes to the error
//     folder with its raw message kept.
//   - Skip: nothing is created; a "skipped" ledger row with the reason is
//     written and the mail is moved to Decision.Folder (default: the import
//     folder), so it is not looked at again.
//   - Leave: the mail stays unseen in the folder, untouched, and is seen
//     again by the next run.
//
// A Mapper must not write to the store or talk to servers itself: the run
// may still be rolled back, and in a dry run (Input.DryRun) nothing may
// change. Work that must follow a durable import (forwarding, an automatic
// answer) goes into Decision.AfterCommit, which runs after the commit and
// the move; its error is logged as a warning and changes nothing of the
// import. An error returned by Map aborts the run before the batch is
// committed (nothing of that batch leaves the inbox); use Quarantine for a
// problem of the one message.
package mailimport
