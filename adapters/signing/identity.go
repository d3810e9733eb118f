package signing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"

	"github.com/boxoffice/boxoffice/core"
)

// Identity verifies the ticketing platform's ID tokens (BOXOFFICE_IDENTITY=jwt): signed with
// RS256, ES256 or EdDSA by a key of the identity provider's JWKS, issued by the issuer for the
// audience, and unexpired. Their sub is the fan's user id, so nobody but the holder of a fan's
// ID token can take that fan's queue token.
type Identity struct {
	// keys verify with the key set as last read; provider reads it again (every hour, and when
	// a token names a kid it lacks, at a rate reloads allows).
	keys     keyfunc.Keyfunc
	provider *providerKeys
	reloads  *rate.Limiter
	issuer   string
	audience string
}

// IdentityOptions configure an Identity.
type IdentityOptions struct {
	// JWKS is the provider's key set: an http(s) URL, or the path of a file.
	JWKS     string
	Issuer   string
	Audience string
	// RefreshUnknownKey bounds how often a token naming an unknown kid reloads the key set (the
	// provider rotated its keys); zero: once every 30 s. Tokens over the bound are refused at once.
	RefreshUnknownKey time.Duration
	// Logger receives failed reloads and the keys skipped.
	Logger *slog.Logger
}

// idTokenAlgorithms are the signatures an ID token may carry; none, and HMAC with a public
// key, never verify.
var idTokenAlgorithms = []string{"RS256", "ES256", "EdDSA"}

// jwksRefresh is how often the key set is read again whatever tokens come.
const jwksRefresh = time.Hour

// NewIdentity loads the key set (and reloads it every hour and on an unknown kid, within the
// bound) until ctx ends. Keys of the set it cannot use are skipped; a set with none it can use
// is an error.
func NewIdentity(ctx context.Context, o IdentityOptions) (*Identity, error) {
	if o.JWKS == "" || o.Issuer == "" || o.Audience == "" {
		return nil, errors.New("identity jwt needs BOXOFFICE_IDENTITY_JWKS, BOXOFFICE_IDENTITY_ISSUER and BOXOFFICE_IDENTITY_AUDIENCE")
	}
	if o.RefreshUnknownKey == 0 {
		o.RefreshUnknownKey = 30 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	source, client, err := jwksSource(o.JWKS)
	if err != nil {
		return nil, err
	}
	provider := newProviderKeys(source, client, o.Logger)
	loadCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := provider.load(loadCtx); err != nil {
		return nil, fmt.Errorf("load the identity provider's JWKS (BOXOFFICE_IDENTITY_JWKS): %w", err)
	}
	keys, err := keyfunc.New(keyfunc.Options{Ctx: ctx, Storage: provider.keys, UseWhitelist: []jwkset.USE{jwkset.UseSig}})
	if err != nil {
		return nil, err
	}
	go provider.refreshEvery(ctx, jwksRefresh)
	return &Identity{
		keys: keys, provider: provider, reloads: rate.NewLimiter(rate.Every(o.RefreshUnknownKey), 1),
		issuer: o.Issuer, audience: o.Audience,
	}, nil
}

// jwksSource is the URL of the key set and the client that reads it: a file's path becomes a
// file:// URL read from disk, so it reloads like a URL does.
func jwksSource(jwks string) (string, *http.Client, error) {
	if u, err := url.Parse(jwks); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		return jwks, &http.Client{Timeout: 10 * time.Second}, nil
	}
	path, err := filepath.Abs(jwks)
	if err != nil {
		return "", nil, fmt.Errorf("BOXOFFICE_IDENTITY_JWKS %q is neither an http(s) URL nor a file path: %w", jwks, err)
	}
	t := &http.Transport{}
	t.RegisterProtocol("file", http.NewFileTransport(http.Dir("/")))
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(path)}).String(), &http.Client{Transport: t}, nil
}

// Verify checks an ID token and returns the fan it speaks for. Every refusal is
// core.ErrUnauthenticated, saying why in the API's words.
func (i *Identity) Verify(ctx context.Context, raw string, now time.Time) (core.UserID, error) {
	var claims idClaims
	if !compactJWS(raw) {
		return "", idTokenRefusal(jwt.ErrTokenMalformed, &claims)
	}
	parse := func(keys keyfunc.Keyfunc) error {
		_, err := jwt.ParseWithClaims(raw, &claims, keys.KeyfuncCtx(ctx),
			jwt.WithValidMethods(idTokenAlgorithms), jwt.WithStrictDecoding(), jwt.WithIssuer(i.issuer), jwt.WithAudience(i.audience),
			jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithLeeway(clockSkew),
			jwt.WithTimeFunc(func() time.Time { return now }))
		return err
	}
	err := parse(i.keys)
	if errors.Is(err, jwkset.ErrKeyNotFound) && i.reloads.Allow() {
		// The provider may have rotated its keys: read them again, then try once more.
		if loadErr := i.provider.load(ctx); loadErr != nil {
			i.provider.logger.WarnContext(ctx, "reload the identity provider's JWKS", "error", loadErr)
		}
		err = parse(i.keys)
	}
	if err != nil {
		return "", idTokenRefusal(err, &claims)
	}
	if claims.Subject == "" {
		return "", &identityError{why: "it names no subject (sub)"}
	}
	user, err := core.ParseUserID(claims.Subject)
	if err != nil {
		return "", &identityError{why: "its subject (sub) is not a user id boxoffice can take: 1 to 64 letters, digits or . _ @ -"}
	}
	return user, nil
}

// identityError is a refused ID token: core.ErrUnauthenticated, with why.
type identityError struct{ why string }

// RefusedIDToken is the refusal of an ID token for why, in the words every refusal of one uses
// (the HTTP edge's, for an Authorization header that carries none).
func RefusedIDToken(why string) error { return &identityError{why: why} }

func (e *identityError) Error() string {
	return "ID token refused: " + e.why + "; sign in with the ticketing platform again and send its ID token as Authorization: Bearer <ID token>"
}

func (e *identityError) Unwrap() error { return core.ErrUnauthenticated }

// idTokenRefusal restates the JWT library's verdict on an ID token, naming the claim that
// failed; claims are the token's as far as they were read.
func idTokenRefusal(err error, claims *idClaims) error {
	why := "it is not a valid ID token"
	var claim *claimError
	switch {
	case errors.As(err, &claim):
		why = claim.why
	case errors.Is(err, jwt.ErrTokenMalformed):
		why = "it is not a JWT (three parts separated by dots)"
	case errors.Is(err, jwt.ErrTokenExpired):
		why = "it has expired"
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued), errors.Is(err, jwt.ErrTokenNotValidYet):
		why = "it is not valid yet (iat or nbf in the future)"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		why = "it was issued by another issuer (iss) than the one this service trusts"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		why = "it was issued for another audience (aud) than this service"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		why = missingClaim(claims)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid) && strings.Contains(err.Error(), "signing method"):
		why = "it is not signed with RS256, ES256 or EdDSA"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		why = "its signature does not verify with the identity provider's key"
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		why = "it names no signing key (kid) the identity provider publishes, or its alg does not match that key"
	}
	return &identityError{why: why}
}
