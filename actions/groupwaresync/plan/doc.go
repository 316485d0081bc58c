// Package plan computes what one groupware sync run does, before anything
// is written: for one sync rule and one employee it compares the CRM
// records in the rule's filter, the groupware items of the rule's folders
// and the sync state, and lists per record what each side needs. It does
// no I/O: a plan is a pure function of (CRM side, groupware side, state,
// rule options), so the preview prints exactly what a run will do, and the
// applier only carries it out.
//
// # Records and state
//
// The planner knows no table: a record is a map of canonical field names
// to values (Fields), so contacts, appointments, tasks and mail share it.
// A Table names the fields the rule's field mapping syncs, the keys that
// recognise the same record on both sides, and the field naming the
// business partner of a new CRM record. The sync state holds one Link per
// pair: both ids, the FieldHash of each field's last synced value and the
// groupware item's ETag.
//
// # Rules
//
// A linked pair is merged field by field against the last synced state (a
// three-way merge). A field counts as changed when its value differs from
// the last synced value, never because a modification time moved (Exchange
// Online moves it when an item is merely opened). A field changed on one
// side is written to the other; changes to different fields on the two
// sides are both kept; only a field changed differently on both sides is a
// conflict. The conflict option settles it: newest (the default: the later
// modification time wins; equal or unknown times leave it to the master),
// crm, groupware, or ask (both versions go to the conflict queue and
// nothing of the record is written until a person decides; the decision
// comes back as Input.Decisions). The overwrite option instead makes one
// side's full record replace the other's.
//
// A CRM record in the rule's filter that no link covers is created in the
// groupware (in the rule's folder for new items). A groupware item that no
// link covers is listed for a manual import while the CRM is the master,
// and never created in the CRM by itself; when the groupware is master it
// is created in the CRM under the business partner whose name equals its
// company, else under the rule's default partner, else it waits for the
// manual import too. A manual import comes back as Input.Imports. A
// table whose items belong to the account's owner as they are (Owned:
// calendar events, tasks) creates them in the CRM whatever the master.
//
// Per direction the rule may turn off creating and updating, and may turn
// on deleting. A record deleted on one side is deleted on the other only
// where the rule says so, and never when the other side changed it since
// the last sync (the change wins); otherwise the survivor is unlinked and
// treated as new. A CRM record that leaves the rule's filter is out of scope, not
// deleted: it and its groupware copy are left alone. A plan that would
// delete more than 10 records and more than 20 % of a side is refused as a
// whole unless the run overrides the guard.
//
// # First runs and tokens
//
// Records not linked yet are matched before anything is created, by the
// table's match keys in order (contacts: the CRM id wfe stored on the
// groupware item, then the e-mail address). A key value shared by exactly
// one record on each side links them; one shared by more is not unique and
// goes to the conflict queue. A matched pair is merged with an empty state,
// so a field empty on one side is filled from the other and fields that
// differ are settled as conflicts.
//
// The groupware side may list only the changes since its token. A linked
// item absent from such a listing is unchanged, never deleted: only
// explicit deleted ids delete. When the token expired, the caller passes a
// complete listing (Listing.Complete) and the planner links by the state
// and the match keys, so nothing is duplicated. When a decision needs a
// record a listing of changes left out, the planner leaves that pair alone
// and names the record in Plan.Needs: add it and plan again.
//
// Planning against the state and sides that applying a plan produced gives
// a plan without changes (Plan.Changes() == 0): the planner is idempotent.
package plan
