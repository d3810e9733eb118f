package apiclient

// Hand-written helpers for the generated client; make generate does not touch this file.

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
)

// Bearer sends a queue token with a request.
func Bearer(token string) RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	}
}

// AdminKey sends the operators' key (BOXOFFICE_ADMIN_KEY) with a request to /api/admin/….
func AdminKey(key string) RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("X-Admin-Key", key)
		return nil
	}
}

// RequireLoopback refuses a base URL that is not on this machine, for tools that load a server.
func RequireLoopback(base string) error {
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	if u.Hostname() == "localhost" {
		return nil
	}
	if ip := net.ParseIP(u.Hostname()); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%s is not a loopback address: this tool only loads local servers", base)
}

// Fan is the body of POST /api/token for a fan of the default sale, under
// BOXOFFICE_IDENTITY=open (under jwt, send the ID token with Bearer and leave user_id out).
func Fan(user string) IssueTokenJSONRequestBody {
	return IssueTokenJSONRequestBody{UserId: &user}
}

// FanOf is the body of POST /api/token for a fan of a sale.
func FanOf(user, sale string) IssueTokenJSONRequestBody {
	return IssueTokenJSONRequestBody{UserId: &user, SaleId: &sale}
}
