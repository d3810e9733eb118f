package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/boxoffice/boxoffice/adapters/signing"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
)

// jwksOf is the JWKS a box office with these keys publishes.
func jwksOf(t *testing.T, tokens *signing.TokenSigner, tickets *signing.TicketSigner) []byte {
	t.Helper()
	set := tokens.JWKS()
	set.Keys = append(set.Keys, tickets.JWK())
	raw, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestVerifyTicketOffline(t *testing.T) {
	tokenSeed := bytes.Repeat([]byte{1}, ed25519.SeedSize)
	tokens, _ := signing.NewTokenSigner(tokenSeed)
	tickets, _ := signing.NewTicketSigner(bytes.Repeat([]byte{2}, ed25519.SeedSize))
	jwks := jwksOf(t, tokens, tickets)
	file := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(file, jwks, 0o600); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(jwks) }))
	defer srv.Close()

	d, _ := core.ParseDate("2030-07-01")
	cred := booking.Credential{TicketID: core.NewID(), PaymentID: core.NewID(), SaleID: "autumn-nights", Date: d, Seat: 12, Section: "Floor",
		Holder: "ann", IssuedAt: time.Now().UTC().Truncate(time.Second)}
	signed, err := tickets.Sign(cred)
	if err != nil {
		t.Fatal(err)
	}
	run := func(stdin string, args ...string) (verifiedTicket, error) {
		var out bytes.Buffer
		err := runVerifyTicket(context.Background(), args, strings.NewReader(stdin), &out)
		var v verifiedTicket
		if err == nil {
			err = json.Unmarshal(out.Bytes(), &v)
		}
		return v, err
	}
	for name, args := range map[string][]string{
		"from a file":         {"-jwks", file, signed},
		"from the JWKS URL":   {"-jwks", srv.URL, signed},
		"at this sale's gate": {"-jwks", file, "-sale", "autumn-nights", signed},
		"on standard input":   {"-jwks", file, "-"},
	} {
		v, err := run(signed+"\n", args...)
		if err != nil || !v.Verified || v.TicketID != string(cred.TicketID) || v.SeatID != 12 || v.Holder != "ann" || v.Date != "2030-07-01" ||
			!v.IssuedAt.Equal(cred.IssuedAt) {
			t.Errorf("%s: %+v, %v", name, v, err)
		}
	}

	notJSON := filepath.Join(t.TempDir(), "jwks.txt")
	if err := os.WriteFile(notJSON, []byte("keys, please"), 0o600); err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(signed, ".")
	altered := parts[0] + "." + parts[1] + "x." + parts[2]
	queueKeyTicket := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{"tid": string(cred.TicketID), "sub": "ann", "iat": time.Now().Unix()})
	queueKeyTicket.Header["typ"] = signing.TicketType
	queueKeyTicket.Header["kid"] = tokens.JWKS().Keys[0].KeyID
	byTokenKey, err := queueKeyTicket.SignedString(ed25519.NewKeyFromSeed(tokenSeed))
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		args []string
		want string
	}{
		"another sale's gate":              {[]string{"-jwks", file, "-sale", "spring-nights", signed}, "not this gate's"},
		"an altered credential":            {[]string{"-jwks", file, altered}, "not a ticket"},
		"a queue token":                    {[]string{"-jwks", file, "eyJhbGciOiJFZERTQSIsImtpZCI6IngiLCJ0eXAiOiJKV1QifQ.e30.sig"}, "not a ticket credential"},
		"a ticket signed by the token key": {[]string{"-jwks", file, byTokenKey}, "ticket key"},
		"no JWKS":                          {[]string{signed}, "-jwks is required"},
		"a missing JWKS file":              {[]string{"-jwks", file + ".gone", signed}, "read the JWKS"},
		"a JWKS that is a directory":       {[]string{"-jwks", t.TempDir(), signed}, "read the JWKS"},
		"a JWKS that is not JSON":          {[]string{"-jwks", notJSON, signed}, "read the JWKS"},
		"no credential":                    {[]string{"-jwks", file}, "no credential"},
	} {
		if _, err := run("", c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", name, err, c.want)
		}
	}
}
