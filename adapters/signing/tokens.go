// Package signing signs and verifies what boxoffice hands out and what it is handed: queue
// tokens (EdDSA JWTs of the waiting room), ticket credentials (EdDSA JWS a gate verifies
// offline against the published key set) and the ticketing platform's ID tokens (verified
// against its key set). The HTTP edge and `boxoffice verify-ticket` both use it; each verifier
// accepts only the exact compact form that was signed.
package signing

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/queue"
)

// TokenLifetime bounds a queue token's JWT; the server's token state (admitted, expired) still
// decides what it may do, so a payment or a session end revokes it earlier.
const TokenLifetime = 24 * time.Hour

// TokenSigner issues and verifies queue tokens as Ed25519-signed JWTs (alg EdDSA), so other
// services can verify them from the JWKS document.
type TokenSigner struct {
	private  ed25519.PrivateKey
	public   ed25519.PublicKey
	keyID    string
	verified *verifiedCache
}

// VerifiedTokens is how many verified tokens a signer remembers: enough for every fan of a
// large sale polling one instance (about 200 bytes each).
const VerifiedTokens = 1 << 18

// NewTokenSigner signs with the Ed25519 key derived from a 32-byte seed. Every instance of a
// deployment must share the seed.
func NewTokenSigner(seed []byte) (*TokenSigner, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("token key must be a %d-byte Ed25519 seed, got %d bytes", ed25519.SeedSize, len(seed))
	}
	priv := ed25519.NewKeyFromSeed(seed)
	pub := priv.Public().(ed25519.PublicKey)
	sum := sha256.Sum256(pub)
	return &TokenSigner{private: priv, public: pub, keyID: base64.RawURLEncoding.EncodeToString(sum[:12]),
		verified: newVerifiedCache(VerifiedTokens)}, nil
}

type queueClaims struct {
	jwt.RegisteredClaims
	Seq int64 `json:"seq"`
	// Sale is the sale the token queues for; tokens signed before sales have none, and are
	// placed by reading them.
	Sale string `json:"sale,omitempty"`
}

// Sign returns the JWT of a queue token, carrying its sale and seq (0 for an early token whose
// place is not drawn yet).
func (s *TokenSigner) Sign(t queue.Token, seq int64, now time.Time) (string, error) {
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, queueClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   string(t.UserID),
			ID:        string(t.ID),
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(TokenLifetime)),
		},
		Seq:  seq,
		Sale: string(t.SaleID),
	})
	tok.Header["kid"] = s.keyID
	return tok.SignedString(s.private)
}

// Verify checks signature, algorithm and expiry and returns who the token speaks for. Every
// failure is queue.ErrTokenUnknown or queue.ErrTokenExpired. A token verified before is
// answered from the cache (verified.go) until its expiry.
func (s *TokenSigner) Verify(raw string, now time.Time) (core.Caller, error) {
	key := sha256.Sum256([]byte(raw))
	if c, ok := s.verified.get(key, now); ok {
		return c, nil
	}
	c, exp, err := s.verify(raw, now)
	if err == nil {
		s.verified.put(key, verifiedToken{caller: c, expires: exp})
	}
	return c, err
}

// clockSkew is how far apart the clocks of the instances that issue and check tokens may be.
const clockSkew = time.Minute

// verify checks the signature, algorithm, key, issue time and expiry of a token: only tokens
// this deployment could have issued pass, even from a holder of the key who signs their own.
func (s *TokenSigner) verify(raw string, now time.Time) (core.Caller, time.Time, error) {
	var c queueClaims
	if !compactJWS(raw) {
		return core.Caller{}, time.Time{}, tokenRefusal(jwt.ErrTokenMalformed)
	}
	_, err := jwt.ParseWithClaims(raw, &c, s.key,
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}), jwt.WithStrictDecoding(), jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(func() time.Time { return now }))
	if err != nil {
		return core.Caller{}, time.Time{}, tokenRefusal(err)
	}
	switch {
	case c.IssuedAt == nil:
		return core.Caller{}, time.Time{}, refused("it has no issue time (iat)")
	case c.IssuedAt.After(now.Add(clockSkew)):
		return core.Caller{}, time.Time{}, refused("it was issued in the future (iat)")
	case c.ExpiresAt.Sub(c.IssuedAt.Time) > TokenLifetime || c.ExpiresAt.After(now.Add(TokenLifetime+clockSkew)):
		return core.Caller{}, time.Time{}, refused("it expires later than tokens this service issues")
	}
	id, idErr := core.ParseID("jti", c.ID)
	user, userErr := core.ParseUserID(c.Subject)
	var sale core.SaleID
	var saleErr error
	if c.Sale != "" {
		sale, saleErr = core.ParseSaleID("sale", c.Sale)
	}
	if idErr != nil || userErr != nil || saleErr != nil || c.Seq < 0 {
		return core.Caller{}, time.Time{}, refused("its claims are not those of a queue token")
	}
	return core.Caller{TokenID: id, UserID: user, SaleID: sale, Seq: c.Seq}, c.ExpiresAt.Time, nil
}

// key is the verification key of a token naming our key id; any other kid is refused.
func (s *TokenSigner) key(t *jwt.Token) (any, error) {
	if typ, _ := t.Header["typ"].(string); typ == TicketType {
		return nil, errTicketNotToken
	}
	if kid, _ := t.Header["kid"].(string); kid != s.keyID {
		return nil, errUnknownKey
	}
	return s.public, nil
}

var (
	errUnknownKey     = errors.New("unknown kid")
	errTicketNotToken = errors.New("a ticket, not a queue token")
)

// tokenError is a refused token: queue.ErrTokenUnknown, with why in the API's words.
type tokenError struct{ why string }

func refused(why string) error { return &tokenError{why: why} }

func (e *tokenError) Error() string {
	return "queue token refused: " + e.why + "; request one with POST /api/token and send it as it came"
}

func (e *tokenError) Unwrap() error { return queue.ErrTokenUnknown }

// tokenRefusal restates the JWT library's verdict.
func tokenRefusal(err error) error {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return queue.ErrTokenExpired
	case errors.Is(err, errTicketNotToken):
		return refused("it is a ticket's credential, not a queue token")
	case errors.Is(err, errUnknownKey):
		return refused("it names a signing key (kid) this service does not have")
	case errors.Is(err, jwt.ErrTokenMalformed):
		return refused("it is not a JWT (three parts separated by dots)")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return refused("its signature does not verify, so this service did not issue it as it is")
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return refused("it has no expiry (exp)")
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return refused("it is not signed with EdDSA, the only algorithm this service uses")
	}
	return refused("it is not a valid queue token")
}

// JWKS is the JSON Web Key Set of the verification key (RFC 8037 OKP key).
type JWKS struct {
	Keys []JWK `json:"keys"`
}

// JWK is one public key.
type JWK struct {
	KeyType string `json:"kty"`
	Curve   string `json:"crv"`
	X       string `json:"x"`
	KeyID   string `json:"kid"`
	Use     string `json:"use"`
	Alg     string `json:"alg"`
}

// JWKS returns the key set other services verify queue tokens with.
func (s *TokenSigner) JWKS() JWKS {
	return JWKS{Keys: []JWK{{KeyType: "OKP", Curve: "Ed25519", X: base64.RawURLEncoding.EncodeToString(s.public), KeyID: s.keyID, Use: "sig", Alg: "EdDSA"}}}
}
