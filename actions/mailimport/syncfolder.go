package mailimport

import (
	"context"

	"github.com/wfehq/wfe/actions/groupwaresync"
	"github.com/wfehq/wfe/store"
)

func init() { groupwaresync.SetMailFolderImporter(ImportSyncFolder) }

// ImportSyncFolder imports one folder of an employee's Microsoft 365
// mailbox for a sync rule of the email table, through the pipeline of
// the mail import (ledger, quarantine, documents, the move after commit
// into the configuration's import folder): incoming mails as the plain
// import makes them, the mails of Sent Items as outgoing mails (MAILAUS),
// delegated to the employee. The mailbox read is always the employee's,
// over Graph, whatever incoming server or mailbox address the
// configuration names for its own import. A preview is a dry run: it
// counts the mails that would be imported and changes nothing.
func ImportSyncFolder(ctx context.Context, in groupwaresync.MailFolderImport) (groupwaresync.MailFolderResult, error) {
	cfg := *in.Config
	cfg.IMAPAddr, cfg.UserName = "", ""
	p := &Pipeline{Deps: Deps{Store: in.Store, Now: in.Now}, Mapper: IncomingMapper{}}
	res, err := p.Run(ctx, Request{Config: &cfg, RunAs: in.Employee, Delegate: in.Employee, Folder: in.Folder, DryRun: in.Preview})
	var out groupwaresync.MailFolderResult
	if res == nil {
		return out, err
	}
	out.New, out.Quarantined = res.Imported, res.Quarantined
	if in.Preview {
		for _, m := range res.Mails {
			switch m.Outcome {
			case OutcomeDryRun:
				out.New++
			case store.OutcomeQuarantined:
				out.Quarantined++
			}
		}
	}
	return out, err
}
