package graph

import (
	"context"
	"fmt"
	"net/http"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// DefaultScope asks for the app registration's application permissions.
const DefaultScope = "https://graph.microsoft.com/.default"

// AppSignIn is an application sign-in (client credentials) of an app
// registration.
type AppSignIn struct {
	TenantID     string
	ClientID     string
	ClientSecret string
	// TokenURL overrides the Microsoft identity platform's token endpoint
	// of the tenant (national clouds, tests).
	TokenURL string
	// Scope defaults to DefaultScope.
	Scope string
}

// TokenSource returns a caching token source for the app; hc (nil for the
// default) carries the token requests.
func (a AppSignIn) TokenSource(ctx context.Context, hc *http.Client) (oauth2.TokenSource, error) {
	if a.ClientID == "" || a.ClientSecret == "" {
		return nil, fmt.Errorf("graph: app sign-in needs a client id and a client secret")
	}
	tokenURL := a.TokenURL
	if tokenURL == "" {
		if a.TenantID == "" {
			return nil, fmt.Errorf("graph: app sign-in needs a tenant id or a token URL")
		}
		tokenURL = "https://login.microsoftonline.com/" + a.TenantID + "/oauth2/v2.0/token"
	}
	scope := a.Scope
	if scope == "" {
		scope = DefaultScope
	}
	cc := &clientcredentials.Config{ClientID: a.ClientID, ClientSecret: a.ClientSecret, TokenURL: tokenURL,
		Scopes: []string{scope}, AuthStyle: oauth2.AuthStyleInParams}
	if hc != nil {
		ctx = context.WithValue(ctx, oauth2.HTTPClient, hc)
	}
	return cc.TokenSource(ctx), nil
}
