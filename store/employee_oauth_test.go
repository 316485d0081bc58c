package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

func TestEmployeeOAuthTokenSealedAndUnlocks(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	e := &store.Employee{Login: "anna", GroupwareLogin: "anna@example.com", OAuthToken: `{"refresh_token":"rt-first"}`}
	if err := s.CreateEmployee(ctx, e); err != nil {
		t.Fatal(err)
	}
	var raw string
	if err := s.DB(ctx).Raw("SELECT oauth_token FROM employee WHERE id = ?", e.ID).Scan(&raw).Error; err != nil {
		t.Fatal(err)
	}
	if raw == "" || strings.Contains(raw, "rt-first") {
		t.Fatalf("stored token is not sealed: %q", raw)
	}
	if err := s.LockEmployee(ctx, e.ID, "sign-in needed"); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveEmployeeOAuthToken(ctx, e.ID, `{"refresh_token":"rt-second"}`); err != nil {
		t.Fatal(err)
	}
	got, err := s.EmployeeByLogin(ctx, "anna")
	if err != nil {
		t.Fatal(err)
	}
	if got.OAuthToken != `{"refresh_token":"rt-second"}` || got.Locked {
		t.Fatalf("after save: token %q locked %v", got.OAuthToken, got.Locked)
	}
	// an update that keeps the token keeps it
	got.Name = "Anna"
	if err := s.UpdateEmployee(ctx, got); err != nil {
		t.Fatal(err)
	}
	again, err := s.GetEmployee(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if again.OAuthToken != got.OAuthToken {
		t.Fatalf("update lost the token: %q", again.OAuthToken)
	}
	if err := s.SaveEmployeeOAuthToken(ctx, 9999, "{}"); err == nil {
		t.Fatal("saving the token of a missing employee succeeded")
	}
}
