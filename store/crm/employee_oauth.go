package crm

import (
	"context"
	"fmt"

	"github.com/wfehq/wfe/store/internal/sqldb"
)

// SaveEmployeeOAuthToken stores an employee's own OAuth token (JSON,
// encrypted), after the sign-in or a refresh that rotated it. A new token
// is a credential change: the AutoImpPwEx lock is cleared.
func (s *Repo) SaveEmployeeOAuthToken(ctx context.Context, empID int64, tokenJSON string) error {
	sealed, err := s.keeper.Encrypt(ctx, tokenJSON)
	if err != nil {
		return fmt.Errorf("save OAuth token of employee %d: %w", empID, err)
	}
	res := s.db.WithContext(ctx).Model(&Employee{}).Where("id = ?", empID).Updates(map[string]any{
		"oauth_token": sealed, "locked": false, "locked_reason": "", "locked_at": nil, "updated_at": s.db.Now(),
	})
	return sqldb.RowsOrNotFound(res.Error, res.RowsAffected, fmt.Sprintf("save OAuth token of employee %d", empID))
}
