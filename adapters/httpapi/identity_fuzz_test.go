package httpapi_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"

	"github.com/boxoffice/boxoffice/adapters/signing"
	"github.com/boxoffice/boxoffice/adapters/signing/signingtest"
	"github.com/boxoffice/boxoffice/core"
)

// fuzzIdentity is an identity provider with one fixed Ed25519 key, its key set in a file (the
// fuzzing engine runs this setup again in each worker process), and what it verifies with.
type fuzzIdentity struct {
	identity *signing.Identity
	key      ed25519.PrivateKey
}

func newFuzzIdentity(tb testing.TB) fuzzIdentity {
	tb.Helper()
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, ed25519.SeedSize))
	jwk, err := jwkset.NewJWKFromKey(key.Public(), jwkset.JWKOptions{Metadata: jwkset.JWKMetadataOptions{KID: "ed-1", USE: jwkset.UseSig}})
	if err != nil {
		tb.Fatal(err)
	}
	raw, _ := json.Marshal(jwkset.JWKSMarshal{Keys: []jwkset.JWKMarshal{jwk.Marshal()}})
	file := filepath.Join(tb.TempDir(), "jwks.json")
	if err := os.WriteFile(file, raw, 0o600); err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	tb.Cleanup(cancel)
	id, err := signing.NewIdentity(ctx, signing.IdentityOptions{JWKS: file, Issuer: idIssuer, Audience: idAudience, RefreshUnknownKey: time.Hour})
	if err != nil {
		tb.Fatal(err)
	}
	return fuzzIdentity{identity: id, key: key}
}

// sign makes an ID token of a payload as written, signed with the provider's key.
func (p fuzzIdentity) sign(payload string) string {
	input := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"EdDSA","kid":"ed-1","typ":"JWT"}`)) + "." +
		base64.RawURLEncoding.EncodeToString([]byte(payload))
	sig, _ := jwt.SigningMethodEdDSA.Sign(input, p.key)
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// goodClaims is the payload of a good ID token for sub, valid for an hour from now.
func goodClaims(sub string) string {
	// Issued at the start of the hour, not this second: under -fuzz the coordinator and each
	// worker sign the seeds apart, and a second ticking between them made the worker's good
	// token another than the seed's (CI found it: seed#0 "took a token").
	iat := time.Now().Truncate(time.Hour).Unix()
	return `{"iss":"` + idIssuer + `","aud":"` + idAudience + `","sub":"` + sub + `","iat":` + strconv.FormatInt(iat, 10) +
		`,"exp":` + strconv.FormatInt(iat+2*3600, 10) + `}`
}

// FuzzIDTokenClaims signs arbitrary payloads with the provider's own key: an ID token verifies
// only when its payload is an object naming each claim once, each of its RFC 7519 type, issued
// by the issuer for this service and unexpired, for the user its sub names; every refusal is
// the API's 401 in its words.
func FuzzIDTokenClaims(f *testing.F) {
	for _, s := range []string{goodClaims("fan-1"), `{"iss":"` + idIssuer + `","aud":"` + idAudience + `","sub":"fan","exp":"9999999999"}`,
		`{"iss":"` + idIssuer + `","aud":["` + idAudience + `"],"sub":"fan","exp":9999999999,"sub":"mallory"}`,
		`{"ISS":"` + idIssuer + `","aud":"` + idAudience + `","sub":"fan","exp":9999999999}`, `{"aud":"` + idAudience + `","sub":"fan","exp":9999999999}`,
		`{"iss":"` + idIssuer + `","sub":"fan","exp":9999999999}`, `{"iss":"` + idIssuer + `","aud":"` + idAudience + `","sub":42,"exp":9999999999}`,
		`{"iss":"` + idIssuer + `","aud":"` + idAudience + `","sub":"fan","exp":9999999999.5,"nbf":1e400}`, `[]`, `null`, `{`} {
		f.Add(s)
	}
	p := newFuzzIdentity(f)
	f.Fuzz(func(t *testing.T, payload string) {
		user, err := p.identity.Verify(context.Background(), p.sign(payload), time.Now())
		if err != nil {
			if !errors.Is(err, core.ErrUnauthenticated) || strings.Contains(err.Error(), "token is") || strings.Contains(err.Error(), "json") {
				t.Fatalf("%q: %v, want a refusal in the API's words", payload, err)
			}
			return
		}
		var claims map[string]any
		dec := json.NewDecoder(strings.NewReader(payload))
		dec.UseNumber()
		if dec.Decode(&claims) != nil || claims["iss"] != idIssuer || claims["sub"] != string(user) {
			t.Fatalf("%q verified for %q", payload, user)
		}
		exp, isNumber := claims["exp"].(json.Number)
		if f, err := exp.Float64(); !isNumber || err != nil || f < float64(time.Now().Add(-time.Minute).Unix()) {
			t.Fatalf("%q verified with exp %#v", payload, claims["exp"])
		}
		for _, name := range []string{"iat", "nbf"} {
			if v, ok := claims[name]; ok {
				if _, isNumber := v.(json.Number); !isNumber {
					t.Fatalf("%q verified with %s %#v", payload, name, v)
				}
			}
		}
		if aud, ok := claims["aud"].(string); !ok && !audienceHas(claims["aud"], idAudience) || ok && aud != idAudience {
			t.Fatalf("%q verified with aud %#v", payload, claims["aud"])
		}
		if !namesOnce(payload) {
			t.Fatalf("%q, naming a claim twice, verified", payload)
		}
	})
}

// namesOnce reports a JSON object that names each of its members once.
func namesOnce(payload string) bool {
	dec := json.NewDecoder(strings.NewReader(payload))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return false
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil || seen[tok.(string)] {
			return false
		}
		seen[tok.(string)] = true
		var value json.RawMessage
		if dec.Decode(&value) != nil {
			return false
		}
	}
	return true
}

// audienceHas reports an array of strings that holds aud.
func audienceHas(v any, aud string) bool {
	arr, ok := v.([]any)
	if !ok {
		return false
	}
	found := false
	for _, e := range arr {
		s, ok := e.(string)
		if !ok {
			return false
		}
		found = found || s == aud
	}
	return found
}

// FuzzAuthorizationHeader sends arbitrary Authorization headers for a queue token under
// BOXOFFICE_IDENTITY=jwt: only `Bearer <ID token>` (the scheme in any case) is read; anything
// else is a 401 problem that never echoes the header past its scheme.
func FuzzAuthorizationHeader(f *testing.F) {
	p := newFuzzIdentity(f)
	good := p.sign(goodClaims("fan-1"))
	for _, s := range []string{"Bearer " + good, "Basic " + good, "bearer  " + good + " ", good, "Bearer", "Bearer " + good + " x", "\x7f", "Basic\t" + good} {
		f.Add(s)
	}
	for _, spelling := range signingtest.OtherSpellings(good) {
		f.Add("Bearer " + spelling)
	}
	f.Add("AAAAAAAAA AAAAAAAAA") // a scheme that is the credential again was named back (CI found it)
	handler, _, _ := newStack(f, withIdentity(p.identity))
	f.Fuzz(func(t *testing.T, header string) {
		req := httptest.NewRequest("POST", "/api/token", strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header["Authorization"] = []string{header}
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		scheme, credential, _ := strings.Cut(strings.TrimSpace(header), " ")
		if rec.Code == 200 {
			if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(credential) != good {
				t.Fatalf("Authorization %q took a token", header)
			}
			return
		}
		var problem map[string]any
		if rec.Code != 401 || json.Unmarshal(rec.Body.Bytes(), &problem) != nil || problem["status"] != 401.0 {
			t.Fatalf("Authorization %q: %d %s, want a 401 problem", header, rec.Code, rec.Body)
		}
		// A credential of more than 8 characters must not appear in the detail (a shorter one
		// can be any word of it, as "A" is of "Authorization").
		if detail, c := problem["detail"].(string), strings.TrimSpace(credential); len(c) > 8 && strings.Contains(detail, c) {
			t.Fatalf("Authorization %q: the detail %q echoes the credential", header, detail)
		}
	})
}
