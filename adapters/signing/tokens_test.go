package signing_test

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/adapters/signing"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/queue"
)

// seed is the tests' signing key.
var seed = bytes.Repeat([]byte{7}, ed25519.SeedSize)

func TestTokenSignerRoundTrip(t *testing.T) {
	if _, err := signing.NewTokenSigner([]byte("short")); err == nil {
		t.Fatal("a 5-byte seed was accepted")
	}
	s, _ := signing.NewTokenSigner(seed)
	tok := queue.Token{ID: core.NewID(), UserID: "fan", Seq: 42}
	raw, err := s.Sign(tok, tok.Seq, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Verify(raw, time.Now())
	if err != nil || c.TokenID != tok.ID || c.UserID != "fan" || c.Seq != 42 {
		t.Fatalf("Verify = %+v, %v", c, err)
	}
	old, _ := s.Sign(tok, tok.Seq, time.Now().Add(-signing.TokenLifetime-time.Second))
	if _, err := s.Verify(old, time.Now()); !errors.Is(err, queue.ErrTokenExpired) {
		t.Fatalf("a token past its lifetime: %v, want ErrTokenExpired", err)
	}
	other, _ := signing.NewTokenSigner(make([]byte, 32))
	if _, err := other.Verify(raw, time.Now()); !errors.Is(err, queue.ErrTokenUnknown) {
		t.Fatalf("a token of another key: %v, want ErrTokenUnknown", err)
	}
}

// BenchmarkTokenVerify is what an authenticated request pays for a token verified before: a
// hit in the verified-token cache (BenchmarkTokenVerifySignature is the miss).
func BenchmarkTokenVerify(b *testing.B) {
	s, _ := signing.NewTokenSigner(seed)
	raw, _ := s.Sign(queue.Token{ID: core.NewID(), UserID: "fan", Seq: 1}, 1, time.Now())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Verify(raw, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTokenSign is the signature every token issue pays (a poll echoes the token).
func BenchmarkTokenSign(b *testing.B) {
	s, _ := signing.NewTokenSigner(seed)
	tok := queue.Token{ID: core.NewID(), UserID: "fan", Seq: 1}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Sign(tok, tok.Seq, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}
