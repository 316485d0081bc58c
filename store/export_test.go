package store

import (
	"context"

	"gorm.io/gorm"
)

// DB gives the store's tests the gorm handle, to set up states the store's
// methods do not make and to look at what they wrote.
func (s *Store) DB(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }
