package httpapi_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"

	"github.com/boxoffice/boxoffice/adapters/httpapi"
	"github.com/boxoffice/boxoffice/adapters/signing"
)

const (
	idIssuer   = "https://id.example.test/"
	idAudience = "boxoffice-test"
)

// provider is a ticketing platform's identity provider: it signs ID tokens and publishes its
// public keys as a JWKS, counting how often it is read.
type provider struct {
	t    *testing.T
	mu   sync.Mutex
	keys map[string]crypto.Signer
	// unusable are keys published beside the signing keys that boxoffice cannot verify with.
	unusable []json.RawMessage
	srv      *httptest.Server
	fetches  atomic.Int64
}

func newProvider(t *testing.T) *provider {
	t.Helper()
	p := &provider{t: t, keys: map[string]crypto.Signer{}}
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	p.add("rsa-1", rsaKey)
	p.add("ec-1", ecKey)
	p.add("ed-1", edKey)
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		p.fetches.Add(1)
		time.Sleep(20 * time.Millisecond) // a provider across a network, not on loopback
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(p.jwks())
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// add publishes a key (a rotation, once the provider runs).
func (p *provider) add(kid string, key crypto.Signer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.keys[kid] = key
}

func (p *provider) jwks() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	var set jwkset.JWKSMarshal
	for kid, key := range p.keys {
		jwk, err := jwkset.NewJWKFromKey(key.Public(), jwkset.JWKOptions{Metadata: jwkset.JWKMetadataOptions{KID: kid, USE: jwkset.UseSig}})
		if err != nil {
			p.t.Fatal(err)
		}
		set.Keys = append(set.Keys, jwk.Marshal())
	}
	raw, _ := json.Marshal(set)
	if len(p.unusable) > 0 {
		var mixed struct {
			Keys []json.RawMessage `json:"keys"`
		}
		_ = json.Unmarshal(raw, &mixed)
		mixed.Keys = append(p.unusable, mixed.Keys...)
		raw, _ = json.Marshal(mixed)
	}
	return raw
}

// unusableKeys are keys an identity provider's set may carry that verify no ID token: an RSA
// key with e=1, an EC point off its curve, an Ed25519 key of 31 bytes, an encryption key, a
// symmetric key, a key type nobody knows, and something that is not a key.
func unusableKeys(t *testing.T) []json.RawMessage {
	t.Helper()
	b64 := base64.RawURLEncoding.EncodeToString
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	enc, err := jwkset.NewJWKFromKey(rsaKey.Public(), jwkset.JWKOptions{Metadata: jwkset.JWKMetadataOptions{KID: "rsa-enc", USE: jwkset.UseEnc}})
	if err != nil {
		t.Fatal(err)
	}
	encJSON, _ := json.Marshal(enc.Marshal())
	keys := []string{
		`{"kty":"RSA","kid":"rsa-e1","use":"sig","n":"` + b64(rsaKey.N.Bytes()) + `","e":"AQ"}`,
		`{"kty":"EC","kid":"ec-off-curve","crv":"P-256","x":"` + b64(make([]byte, 32)) + `","y":"` + b64(append(make([]byte, 31), 7)) + `"}`,
		`{"kty":"OKP","kid":"ed-short","crv":"Ed25519","x":"` + b64(make([]byte, 31)) + `"}`,
		string(encJSON),
		`{"kty":"oct","kid":"hmac","k":"` + b64([]byte("a shared secret")) + `"}`,
		`{"kty":"PQC","kid":"from-the-future","pub":"AAAA"}`,
		`42`,
	}
	out := make([]json.RawMessage, len(keys))
	for i, k := range keys {
		out[i] = json.RawMessage(k)
	}
	return out
}

// logLines is a logger whose lines a test reads.
type logLines struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (l *logLines) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(b)
}

func (l *logLines) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.buf.String(), s)
}

// idToken signs claims with the key kid, in the method that key takes.
func (p *provider) idToken(kid string, claims jwt.MapClaims) string {
	p.mu.Lock()
	key := p.keys[kid]
	p.mu.Unlock()
	method := map[string]jwt.SigningMethod{"rsa": jwt.SigningMethodRS256, "ec-": jwt.SigningMethodES256, "ed-": jwt.SigningMethodEdDSA}[kid[:3]]
	tok := jwt.NewWithClaims(method, claims)
	tok.Header["kid"] = kid
	raw, err := tok.SignedString(key)
	if err != nil {
		p.t.Fatal(err)
	}
	return raw
}

// rawIDToken signs a payload written out by hand (claims twice, say) with the key kid.
func (p *provider) rawIDToken(kid, payload string) string {
	good := p.idToken(kid, claims("x"))
	header := good[:strings.Index(good, ".")]
	signing := header + "." + base64.RawURLEncoding.EncodeToString([]byte(payload))
	p.mu.Lock()
	key := p.keys[kid]
	p.mu.Unlock()
	method := map[string]jwt.SigningMethod{"rsa": jwt.SigningMethodRS256, "ec-": jwt.SigningMethodES256, "ed-": jwt.SigningMethodEdDSA}[kid[:3]]
	sig, err := method.Sign(signing, key)
	if err != nil {
		p.t.Fatal(err)
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// edToken is an ID token signed with an Ed25519 key under kid.
func edToken(t *testing.T, key ed25519.PrivateKey, kid string, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
	tok.Header["kid"] = kid
	raw, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// claims are the claims of a good ID token for sub.
func claims(sub string) jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{"iss": idIssuer, "aud": idAudience, "sub": sub, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
}

func with(c jwt.MapClaims, key string, v any) jwt.MapClaims {
	out := jwt.MapClaims{}
	for k, x := range c {
		out[k] = x
	}
	if v == nil {
		delete(out, key)
	} else {
		out[key] = v
	}
	return out
}

func withIdentity(id *signing.Identity) stackOption {
	return func(s *stack) { s.deps.Identity = id }
}

func newIdentity(t *testing.T, jwks string, refresh time.Duration) *signing.Identity {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	id, err := signing.NewIdentity(ctx, signing.IdentityOptions{JWKS: jwks, Issuer: idIssuer, Audience: idAudience, RefreshUnknownKey: refresh})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// takeToken asks for a queue token with an ID token (none if empty) and a body.
func (h *harness) takeToken(t *testing.T, idToken string, body any, status int) response {
	t.Helper()
	header := map[string]string{}
	if idToken != "" {
		header["Authorization"] = "Bearer " + idToken
	}
	return h.expectWithHeader(t, "POST", "/api/token", "", header, body, status)
}

// Under BOXOFFICE_IDENTITY=jwt nobody but the holder of a fan's ID token takes that fan's queue
// token: every ID token the platform did not issue for this service, for that fan, now, is
// refused in the API's words, and issues nothing.
func TestIdentityFromThePlatform(t *testing.T) {
	p := newProvider(t)
	h := newHarness(t, withIdentity(newIdentity(t, p.srv.URL, time.Millisecond)))
	for _, kid := range []string{"rsa-1", "ec-1", "ed-1"} {
		var tok httpapi.TokenBody
		h.takeToken(t, p.idToken(kid, claims("fan-"+kid)), map[string]any{}, 200).json(t, &tok)
		if got := mustCaller(t, tok.Token).UserID; string(got) != "fan-"+kid {
			t.Fatalf("the queue token of an ID token for fan-%s speaks for %s", kid, got)
		}
	}
	h.takeToken(t, p.idToken("rsa-1", claims("ann")), map[string]any{"user_id": "ann"}, 200) // the same user_id is fine
	issued := h.stats(t).LastSeq

	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, claims("mallory"))
	hs.Header["kid"] = "rsa-1"
	rsaPublic, _ := x509.MarshalPKIXPublicKey(p.keys["rsa-1"].Public())
	hmacWithPublicKey, _ := hs.SignedString(rsaPublic)
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, claims("mallory")).SignedString(jwt.UnsafeAllowNoneSignatureType)
	_, strangerKey, _ := ed25519.GenerateKey(rand.Reader)
	stranger := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims("mallory"))
	stranger.Header["kid"] = "ed-1" // a known kid, a key the provider never had
	forged, _ := stranger.SignedString(strangerKey)
	good := p.idToken("ed-1", claims("bob"))
	for _, tc := range []struct {
		name, idToken string
		body          any
		status        int
		says          string
	}{
		{"no ID token", "", map[string]any{"user_id": "bob"}, 401, "none was sent"},
		{"not a JWT", "not-a-token", map[string]any{}, 401, "not a JWT"},
		{"wrong issuer", p.idToken("rsa-1", with(claims("bob"), "iss", "https://evil.example/")), map[string]any{}, 401, "another issuer"},
		{"wrong audience", p.idToken("rsa-1", with(claims("bob"), "aud", "another-service")), map[string]any{}, 401, "another audience"},
		{"expired", p.idToken("ec-1", with(claims("bob"), "exp", time.Now().Add(-time.Hour).Unix())), map[string]any{}, 401, "expired"},
		{"no expiry", p.idToken("ec-1", with(claims("bob"), "exp", nil)), map[string]any{}, 401, "no expiry (exp)"},
		{"no issuer", p.idToken("ec-1", with(claims("bob"), "iss", nil)), map[string]any{}, 401, "names no issuer (iss)"},
		{"no audience", p.idToken("ec-1", with(claims("bob"), "aud", nil)), map[string]any{}, 401, "names no audience (aud)"},
		{"an empty audience", p.idToken("ec-1", with(claims("bob"), "aud", []string{})), map[string]any{}, 401, "names no audience (aud)"},
		{"no subject", p.idToken("ec-1", with(claims("bob"), "sub", nil)), map[string]any{}, 401, "names no subject (sub)"},
		{"exp a string", p.idToken("ec-1", with(claims("bob"), "exp", strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10))), map[string]any{}, 401, "its exp claim is not a NumericDate"},
		{"iat a string", p.idToken("ec-1", with(claims("bob"), "iat", strconv.FormatInt(time.Now().Unix(), 10))), map[string]any{}, 401, "its iat claim is not a NumericDate"},
		{"nbf true", p.idToken("ec-1", with(claims("bob"), "nbf", true)), map[string]any{}, 401, "its nbf claim is not a NumericDate"},
		{"exp past year 9999", p.idToken("ec-1", with(claims("bob"), "exp", 1e300)), map[string]any{}, 401, "its exp claim is not a NumericDate"},
		{"sub a number", p.idToken("ec-1", with(claims("bob"), "sub", 42)), map[string]any{}, 401, "its sub claim is not a string"},
		{"iss an array", p.idToken("ec-1", with(claims("bob"), "iss", []string{idIssuer})), map[string]any{}, 401, "its iss claim is not a string"},
		{"aud of numbers", p.idToken("ec-1", with(claims("bob"), "aud", []int{1})), map[string]any{}, 401, "its aud claim is not a string or an array of strings"},
		{"ISS in capitals", p.idToken("ec-1", with(with(claims("bob"), "iss", nil), "ISS", idIssuer)), map[string]any{}, 401, "names no issuer (iss)"},
		{"sub twice", p.rawIDToken("ec-1", `{"iss":"`+idIssuer+`","aud":"`+idAudience+`","sub":"bob","sub":"mallory","exp":`+strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)+`}`),
			map[string]any{}, 401, "names its sub claim twice"},
		{"issued in the future", p.idToken("ec-1", with(claims("bob"), "iat", time.Now().Add(time.Hour).Unix())), map[string]any{}, 401, "not valid yet"},
		{"alg none", none, map[string]any{}, 401, "RS256, ES256 or EdDSA"},
		{"HS256 keyed with the public key", hmacWithPublicKey, map[string]any{}, 401, "RS256, ES256 or EdDSA"},
		{"signed by a stranger", forged, map[string]any{}, 401, "signature does not verify"},
		{"tampered payload", good[:strings.Index(good, ".")+1] + "eyJzdWIiOiJtYWxsb3J5In0" + good[strings.LastIndex(good, "."):], map[string]any{}, 401, ""},
		{"a subject that is no user id", p.idToken("rsa-1", claims("has spaces")), map[string]any{}, 401, "subject"},
		{"another user_id in the body", good, map[string]any{"user_id": "alice"}, 400, "not the fan the ID token names"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.takeToken(t, tc.idToken, tc.body, tc.status)
			p := r.problem(t)
			if !strings.Contains(p["detail"].(string), tc.says) || strings.Contains(p["detail"].(string), "token is") {
				t.Fatalf("detail %q, want it to say %q in the API's words", p["detail"], tc.says)
			}
			if tc.status == 401 && r.header.Get("WWW-Authenticate") == "" {
				t.Fatal("401 without WWW-Authenticate")
			}
		})
	}
	// Only the Bearer scheme carries an ID token (its name in any case): another is refused
	// saying so, never read as if it said Bearer.
	for header, says := range map[string]string{
		"Basic " + good: "uses the Basic scheme, and only Bearer is taken", "Bearer": "no token after Bearer",
		"Bearer ": "no token after Bearer", good: "not of the form Bearer <token>", "Token=" + good: "not of the form Bearer <token>",
	} {
		r := h.expectWithHeader(t, "POST", "/api/token", "", map[string]string{"Authorization": header}, map[string]any{}, 401)
		if p := r.problem(t); !strings.Contains(p["detail"].(string), says) || strings.Contains(p["detail"].(string), good) {
			t.Fatalf("Authorization %.20q…: %v, want it refused saying %q", header, p, says)
		}
	}
	h.expectWithHeader(t, "POST", "/api/token", "", map[string]string{"Authorization": "bEaReR " + good}, map[string]any{}, 200)
	issued++
	if got := h.stats(t).LastSeq; got != issued {
		t.Fatalf("refused ID tokens issued %d queue tokens", got-issued)
	}

	// The provider rotates: a token signed with a key published since is accepted once the
	// key set is read again, which the unknown kid triggers.
	before := p.fetches.Load()
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	p.add("rsa-2", rsaKey)
	h.takeToken(t, p.idToken("rsa-2", claims("carol")), map[string]any{}, 200)
	if p.fetches.Load() == before {
		t.Fatal("a new kid was accepted without reading the key set again")
	}
}

// Made-up kids cannot make the service hammer the provider: one reload within the bound, the
// rest refused at once.
func TestUnknownKeysReloadTheKeySetAtABoundedRate(t *testing.T) {
	p := newProvider(t)
	h := newHarness(t, withIdentity(newIdentity(t, p.srv.URL, time.Hour)))
	before := p.fetches.Load()
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	for i := range 20 {
		tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims("mallory"))
		tok.Header["kid"] = "made-up-" + string(rune('a'+i))
		raw, _ := tok.SignedString(key)
		h.takeToken(t, raw, map[string]any{}, 401)
	}
	if n := p.fetches.Load() - before; n > 1 {
		t.Fatalf("20 made-up kids read the key set %d times, want at most 1 within the bound", n)
	}
	h.takeToken(t, p.idToken("rsa-1", claims("ann")), map[string]any{}, 200) // known keys still verify
}

// The key set can be a file; it is read again when a token names a kid it lacks.
func TestIdentityFromAKeySetFile(t *testing.T) {
	p := newProvider(t)
	file := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(file, p.jwks(), 0o600); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, withIdentity(newIdentity(t, file, time.Millisecond)))
	h.takeToken(t, p.idToken("ec-1", claims("ann")), map[string]any{}, 200)
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	p.add("ed-2", key)
	if err := os.WriteFile(file, p.jwks(), 0o600); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond) // past the bound on reloads
	h.takeToken(t, p.idToken("ed-2", claims("bob")), map[string]any{}, 200)
}

// A key set that carries keys boxoffice cannot use (other types, encryption keys, malformed
// ones) still loads: each such key is skipped and logged once, the others verify, and a key
// rotated in beside them is found on reload. Only a set with no usable key is refused, at start
// and on reload alike, and a reload that finds none keeps the keys in force.
func TestAKeySetWithKeysItCannotUseStillVerifies(t *testing.T) {
	p := newProvider(t)
	p.unusable = unusableKeys(t)
	var logs logLines
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	id, err := signing.NewIdentity(ctx, signing.IdentityOptions{JWKS: p.srv.URL, Issuer: idIssuer, Audience: idAudience,
		RefreshUnknownKey: time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatalf("a key set with unusable keys beside good ones: %v", err)
	}
	h := newHarness(t, withIdentity(id))
	for _, kid := range []string{"rsa-1", "ec-1", "ed-1"} {
		h.takeToken(t, p.idToken(kid, claims("fan-"+kid)), map[string]any{}, 200)
	}
	skipped := logs.count("is skipped")
	if skipped != len(p.unusable) {
		t.Fatalf("%d keys logged as skipped, want each of the %d unusable ones:\n%s", skipped, len(p.unusable), logs.buf.String())
	}
	_, rotated, _ := ed25519.GenerateKey(rand.Reader)
	p.add("ed-2", rotated)
	time.Sleep(2 * time.Millisecond) // past the bound on reloads
	h.takeToken(t, p.idToken("ed-2", claims("rotated")), map[string]any{}, 200)
	if again := logs.count("is skipped"); again != skipped {
		t.Fatalf("the reload logged the skipped keys again: %d lines, want %d", again, skipped)
	}

	// A set with nothing usable: refused at start, and a reload to one keeps the keys read before.
	bad := newProvider(t)
	bad.keys = map[string]crypto.Signer{}
	bad.unusable = unusableKeys(t)
	_, err = signing.NewIdentity(ctx, signing.IdentityOptions{JWKS: bad.srv.URL, Issuer: idIssuer, Audience: idAudience,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err == nil || !strings.Contains(err.Error(), "no key that verifies signatures") {
		t.Fatalf("a key set with no usable key: %v, want it refused saying so", err)
	}
	p.mu.Lock()
	p.keys = map[string]crypto.Signer{}
	p.mu.Unlock()
	time.Sleep(2 * time.Millisecond)
	h.takeToken(t, edToken(t, rotated, "made-up", claims("mallory")), map[string]any{}, 401) // its reload finds no usable key
	h.takeToken(t, edToken(t, rotated, "ed-2", claims("still")), map[string]any{}, 200)
}

// Under BOXOFFICE_IDENTITY=open the body's user_id is who the fan is, and it is required.
func TestOpenIdentityNeedsAUserID(t *testing.T) {
	h := newHarness(t)
	p := h.takeToken(t, "", map[string]any{}, 400).problem(t)
	if !strings.Contains(string(mustJSON(t, p["errors"])), "body.user_id") {
		t.Fatalf("a token without user_id: %v", p)
	}
}

// Under BOXOFFICE_IDENTITY=jwt, the platform's ID token lists all of its fan's tickets of a
// sale, whatever became of their queue tokens; sale_id is then required; another fan's ID token
// lists that fan's, and under open identity an ID token is no credential at all.
func TestAnIDTokenListsTheFansTickets(t *testing.T) {
	p := newProvider(t)
	h := newHarness(t, withIdentity(newIdentity(t, p.srv.URL, time.Millisecond)))
	idToken := p.idToken("ec-1", claims("zoe"))
	var tok httpapi.TokenBody
	h.takeToken(t, idToken, map[string]any{}, 200).json(t, &tok)
	h.admit(t, testSale)
	h.expect(t, "POST", "/api/balance", tok.Token, map[string]any{"amount": 50_000}, 200)
	var held httpapi.HoldBody
	h.expect(t, "POST", "/api/tickets", tok.Token, map[string]any{"date": showDate, "seat_id": 9}, 200).json(t, &held)
	h.expect(t, "POST", "/api/payment", tok.Token, map[string]any{"ticket_id": held.TicketID, "seat_id": 9, "date": showDate}, 200)
	h.expect(t, "GET", "/api/tickets", tok.Token, nil, 401).problem(t) // the payment expired the queue token

	var listed []httpapi.TicketBody
	h.expect(t, "GET", "/api/tickets?sale_id="+string(testSale), idToken, nil, 200).json(t, &listed)
	if len(listed) != 1 || listed[0].TicketID != held.TicketID || listed[0].Status != "paid" || listed[0].Credential == "" {
		t.Fatalf("zoe's tickets by her ID token: %+v", listed)
	}
	pr := h.expect(t, "GET", "/api/tickets", idToken, nil, 400).problem(t)
	if !strings.Contains(string(mustJSON(t, pr["errors"])), "query.sale_id") {
		t.Fatalf("an ID token without sale_id: %v", pr)
	}
	h.expect(t, "GET", "/api/tickets?sale_id="+string(testSale), p.idToken("rsa-1", claims("yan")), nil, 200).json(t, &listed)
	if len(listed) != 0 {
		t.Fatalf("another fan's ID token lists %+v", listed)
	}
	h.expect(t, "GET", "/api/tickets?sale_id="+string(testSale), p.idToken("rsa-1", with(claims("zoe"), "aud", "elsewhere")), nil, 401).problem(t)

	open := newHarness(t)
	open.expect(t, "GET", "/api/tickets?sale_id="+string(testSale), idToken, nil, 401).problem(t)
}
