package store

import "github.com/wfehq/wfe/store/crm"

// MailPushState is what a configuration's push watcher does (crm.MailPushState).
type MailPushState = crm.MailPushState

// States of a push watcher.
const (
	PushWatching = crm.PushWatching
	PushPolled   = crm.PushPolled
)
