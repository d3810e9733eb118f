package signing

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/MicahParks/jwkset"
)

// maxJWKSBytes bounds a key set read from the identity provider.
const maxJWKSBytes = 1 << 20

// providerKeys are the identity provider's signing keys, as its JWKS last gave them. A set may
// carry keys boxoffice cannot use (encryption keys, key types or curves it does not verify, a
// malformed key): each is skipped, and logged once, and the rest are used; only a set with no
// usable key at all is refused, and then the keys read before stay in force.
type providerKeys struct {
	source string
	client *http.Client
	logger *slog.Logger
	keys   *jwkset.MemoryJWKSet

	mu      sync.Mutex
	skipped map[string]bool // the keys already logged as skipped
}

func newProviderKeys(source string, client *http.Client, logger *slog.Logger) *providerKeys {
	return &providerKeys{source: source, client: client, logger: logger, keys: jwkset.NewMemoryStorage(), skipped: map[string]bool{}}
}

// load reads the key set and puts its usable keys in force.
func (p *providerKeys) load(ctx context.Context) error {
	raw, err := p.fetch(ctx)
	if err != nil {
		return err
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(raw, &set); err != nil {
		return fmt.Errorf("the identity provider's JWKS at %s is not a JSON key set: %w", p.source, err)
	}
	usable := make([]jwkset.JWK, 0, len(set.Keys))
	for i, rawKey := range set.Keys {
		jwk, why := signingKey(rawKey)
		if why != "" {
			p.skip(i, rawKey, why)
			continue
		}
		usable = append(usable, jwk)
	}
	if len(usable) == 0 {
		return fmt.Errorf("the identity provider's JWKS at %s has no key that verifies signatures (%d keys, none usable); "+
			"ID tokens are verified with the keys read before, if any", p.source, len(set.Keys))
	}
	return p.keys.KeyReplaceAll(ctx, usable)
}

func (p *providerKeys) fetch(ctx context.Context) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.source, nil)
	if err != nil {
		return nil, err
	}
	res, err := p.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("read the identity provider's JWKS from %s: %w", p.source, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("read the identity provider's JWKS from %s: status %s", p.source, res.Status)
	}
	return io.ReadAll(io.LimitReader(res.Body, maxJWKSBytes))
}

// signingKey is one key of the set as a verification key, or why it cannot be one.
func signingKey(raw json.RawMessage) (jwkset.JWK, string) {
	var m jwkset.JWKMarshal
	if err := json.Unmarshal(raw, &m); err != nil {
		return jwkset.JWK{}, "it is not a JSON Web Key"
	}
	if m.USE != "" && m.USE != jwkset.UseSig {
		return jwkset.JWK{}, fmt.Sprintf("it is for %q, not for signatures", m.USE)
	}
	jwk, err := jwkset.NewJWKFromMarshal(m, jwkset.JWKMarshalOptions{}, jwkset.JWKValidateOptions{})
	if err != nil {
		return jwkset.JWK{}, err.Error()
	}
	return jwk, ""
}

// skip logs, once per key, that a key of the set is not used.
func (p *providerKeys) skip(i int, raw json.RawMessage, why string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.skipped[string(raw)] {
		return
	}
	p.skipped[string(raw)] = true
	var named struct {
		KID string `json:"kid"`
		KTY string `json:"kty"`
	}
	_ = json.Unmarshal(raw, &named)
	p.logger.Warn("a key of the identity provider's JWKS is skipped: ID tokens signed with it are refused",
		"jwks", p.source, "index", i, "kid", named.KID, "kty", named.KTY, "why", why)
}

// refreshEvery reads the key set again every period until ctx ends; a failed read keeps the
// keys in force, and says why.
func (p *providerKeys) refreshEvery(ctx context.Context, period time.Duration) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			loadCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
			if err := p.load(loadCtx); err != nil {
				p.logger.WarnContext(ctx, "reload the identity provider's JWKS", "error", err)
			}
			cancel()
		}
	}
}
