package ledger

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/wfehq/wfe/store/internal/sqldb"
)

// AutoReply records one automatic answer a mailbox rule sent, so that a
// sender gets at most one answer per day (RFC 3834 section 2).
type AutoReply struct {
	ID           int64     `gorm:"primaryKey" json:"id"`
	MailConfigID int64     `json:"mail_config_id"`
	Recipient    string    `json:"recipient"`  // lower-case address answered
	MessageID    string    `json:"message_id"` // of the answer
	ActivityID   *int64    `json:"activity_id,omitempty"`
	SentAt       time.Time `json:"sent_at"`
}

// TableName implements gorm's tabler.
func (AutoReply) TableName() string { return "auto_reply" }

// RecordAutoReply stores an answer sent (SentAt defaults to now).
func (s *Repo) RecordAutoReply(ctx context.Context, r *AutoReply) error {
	r.Recipient = strings.ToLower(strings.TrimSpace(r.Recipient))
	if r.Recipient == "" {
		return fmt.Errorf("record auto-reply: empty recipient: %w", sqldb.ErrInvalid)
	}
	if r.SentAt.IsZero() {
		r.SentAt = s.db.Now()
	}
	r.SentAt = r.SentAt.UTC()
	return sqldb.Translate(s.db.WithContext(ctx).Omit("id").Create(r).Error, "record auto-reply to "+r.Recipient)
}

// LastAutoReply returns the latest answer the configuration sent to
// recipient at or after since; nil when there is none.
func (s *Repo) LastAutoReply(ctx context.Context, mailConfigID int64, recipient string, since time.Time) (*AutoReply, error) {
	var rs []AutoReply
	err := s.db.WithContext(ctx).Where("mail_config_id = ? AND recipient = ? AND sent_at >= ?",
		mailConfigID, strings.ToLower(strings.TrimSpace(recipient)), since.UTC()).Order("sent_at DESC").Limit(1).Find(&rs).Error
	if err != nil {
		return nil, sqldb.Translate(err, "auto-replies to "+recipient)
	}
	if len(rs) == 0 {
		return nil, nil
	}
	return &rs[0], nil
}
