package crm

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"

	"github.com/wfehq/wfe/store/internal/sqldb"
)

// States of a mail configuration's push watcher.
const (
	// PushWatching: the inbox is watched with IDLE.
	PushWatching = "pushed"
	// PushPolled: no watcher runs (the server offers no IDLE, the
	// connection dropped and is being renewed, or serve stopped); the
	// timer polls.
	PushPolled = "polled"
)

// MailPushState is what the push watcher of one mail configuration does,
// as the serve node running it last reported.
type MailPushState struct {
	MailConfigID int64     `gorm:"primaryKey;autoIncrement:false" json:"mail_config_id"`
	Node         string    `json:"node"`
	State        string    `json:"state"`            // PushWatching or PushPolled
	Detail       string    `json:"detail,omitempty"` // why it is polled
	Since        time.Time `json:"since"`
}

// TableName implements gorm's tabler.
func (MailPushState) TableName() string { return "mail_push_state" }

// SetMailPushState stores the watcher state of a configuration,
// replacing the one stored before.
func (s *Repo) SetMailPushState(ctx context.Context, p *MailPushState) error {
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(p).Error
	return sqldb.Translate(err, fmt.Sprintf("push state of mail configuration %d", p.MailConfigID))
}

// MailPushStates returns the stored watcher states by configuration id.
func (s *Repo) MailPushStates(ctx context.Context) (map[int64]MailPushState, error) {
	var list []MailPushState
	if err := s.db.WithContext(ctx).Find(&list).Error; err != nil {
		return nil, sqldb.Translate(err, "list push states")
	}
	out := make(map[int64]MailPushState, len(list))
	for _, p := range list {
		out[p.MailConfigID] = p
	}
	return out, nil
}
