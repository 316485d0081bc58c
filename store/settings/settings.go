// Package settings keeps the settings table: internal mail domains, the fax
// activity type and fax address, and which activities GroupwareLock protects.
package settings

import (
	"context"
	"fmt"
	"net/mail"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gorm.io/gorm/clause"

	"github.com/wfehq/wfe/store/internal/sqldb"
)

// Setting keys.
const (
	SettingInternalDomains    = "internal_domains"
	SettingLockMail           = "lock_mail"
	SettingLockMeetingRequest = "lock_meeting_request"
	SettingFaxActivityType    = "fax_activity_type"
	SettingFaxAddress         = "fax_address"
)

// FaxPlaceholder must appear in the fax server address (docs/REQUIREMENTS.md R29).
const FaxPlaceholder = "${fax}"

// Settings are the global preferences.
type Settings struct {
	// InternalDomains decide internal vs external mail (docs/REQUIREMENTS.md R25).
	InternalDomains []string `json:"internal_domains"`
	// LockMail / LockMeetingRequest: GroupwareLockPreferences (default true).
	LockMail           bool `json:"lock_mail"`
	LockMeetingRequest bool `json:"lock_meeting_request"`
	// FaxActivityType / FaxAddress: fax by mail (docs/REQUIREMENTS.md R29).
	FaxActivityType string `json:"fax_activity_type"`
	FaxAddress      string `json:"fax_address"`
}

// Locks reports whether GroupwareLock is enforced for an activity type:
// meetings and appointments (meeting) or mails.
func (s Settings) Locks(meeting bool) bool {
	if meeting {
		return s.LockMeetingRequest
	}
	return s.LockMail
}

// Repo reads and writes the settings table.
type Repo struct{ db *sqldb.DB }

// New returns the settings of db.
func New(db *sqldb.DB) *Repo { return &Repo{db: db} }

type settingRow struct {
	Key   string
	Value string
}

// Settings reads the settings (defaults for unset keys).
func (s *Repo) Settings(ctx context.Context) (Settings, error) {
	out := Settings{LockMail: true, LockMeetingRequest: true}
	var rows []settingRow
	if err := s.db.WithContext(ctx).Table("setting").Select("key, value").Find(&rows).Error; err != nil {
		return out, sqldb.Translate(err, "read settings")
	}
	for _, r := range rows {
		switch r.Key {
		case SettingInternalDomains:
			out.InternalDomains = splitList(r.Value)
		case SettingLockMail:
			out.LockMail, _ = strconv.ParseBool(r.Value)
		case SettingLockMeetingRequest:
			out.LockMeetingRequest, _ = strconv.ParseBool(r.Value)
		case SettingFaxActivityType:
			out.FaxActivityType = r.Value
		case SettingFaxAddress:
			out.FaxAddress = r.Value
		}
	}
	return out, nil
}

func splitList(v string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' }) {
		f = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(f), "@"))
		if f != "" && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out
}

// SettingNames lists the keys SetSetting accepts (also with dashes).
func SettingNames() []string {
	return []string{SettingInternalDomains, SettingFaxActivityType, SettingFaxAddress, SettingLockMail, SettingLockMeetingRequest}
}

// SetSetting validates and stores one setting. name may use dashes
// ("internal-domains"). A refused value keeps the old one.
func (s *Repo) SetSetting(ctx context.Context, name, value string) error {
	key := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "-", "_")
	switch key {
	case SettingInternalDomains:
		ds := splitList(value)
		for _, d := range ds {
			if strings.ContainsAny(d, "@/:") || !strings.Contains(d, ".") && d != "localhost" {
				return fmt.Errorf("setting internal-domains: %q is not a domain name: %w", d, sqldb.ErrInvalid)
			}
		}
		value = strings.Join(ds, ",")
	case SettingLockMail, SettingLockMeetingRequest:
		b, err := strconv.ParseBool(strings.TrimSpace(value))
		if err != nil {
			return fmt.Errorf("setting %s: %q is not true or false: %w", strings.ReplaceAll(key, "_", "-"), value, sqldb.ErrInvalid)
		}
		value = strconv.FormatBool(b)
	case SettingFaxActivityType:
		value = strings.TrimSpace(value)
	case SettingFaxAddress:
		value = strings.TrimSpace(value)
		if !strings.Contains(value, FaxPlaceholder) {
			return fmt.Errorf("setting fax-address %q: the fax server address must contain the placeholder ${fax}: %w", value, sqldb.ErrInvalid)
		}
		probe := strings.ReplaceAll(value, FaxPlaceholder, "4930123456")
		if _, err := mail.ParseAddress(probe); err != nil {
			return fmt.Errorf("setting fax-address %q: not an e-mail address: %w", value, sqldb.ErrInvalid)
		}
	default:
		return fmt.Errorf("unknown setting %q (known: internal-domains, fax-activity-type, fax-address, lock-mail, lock-meeting-request): %w", name, sqldb.ErrInvalid)
	}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "key"}},
		DoUpdates: clause.AssignmentColumns([]string{"value", "updated_at"}),
	}).Table("setting").Create(map[string]any{"key": key, "value": value, "updated_at": s.db.Now()}).Error
	return sqldb.Translate(err, "save setting "+key)
}

// domainOf returns the lower-case domain of an address ("" if none).
func domainOf(addr string) string {
	addr = strings.TrimSpace(addr)
	if a, err := mail.ParseAddress(addr); err == nil {
		addr = a.Address
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return ""
	}
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(addr[at+1:]), ">"))
}

// IsInternalAddress reports whether addr belongs to an internal domain
// (the domain itself or a sub-domain of it).
func (st Settings) IsInternalAddress(addr string) bool {
	d := domainOf(addr)
	if d == "" {
		return false
	}
	for _, in := range st.InternalDomains {
		if d == in || strings.HasSuffix(d, "."+in) {
			return true
		}
	}
	return false
}

// IsExternal reports whether any of the addresses is external (not in an
// internal domain). A mail whose addresses are all internal is internal
// and is not write-protected (docs/REQUIREMENTS.md R25).
func (st Settings) IsExternal(addresses ...string) bool {
	for _, a := range addresses {
		if strings.TrimSpace(a) == "" {
			continue
		}
		if !st.IsInternalAddress(a) {
			return true
		}
	}
	return false
}

// IsInternalAddress reads the settings and checks one address.
func (s *Repo) IsInternalAddress(ctx context.Context, addr string) (bool, error) {
	st, err := s.Settings(ctx)
	if err != nil {
		return false, err
	}
	return st.IsInternalAddress(addr), nil
}

// IsExternal reads the settings and checks addresses (see
// Settings.IsExternal).
func (s *Repo) IsExternal(ctx context.Context, addresses []string) (bool, error) {
	st, err := s.Settings(ctx)
	if err != nil {
		return false, err
	}
	return st.IsExternal(addresses...), nil
}
