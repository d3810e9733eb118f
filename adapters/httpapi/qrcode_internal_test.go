package httpapi

import (
	"strings"
	"testing"
)

// BenchmarkQRCode is what a fan's QR code costs beyond the JSON: drawing a credential's worth of
// text (about 400 characters) as a PNG.
func BenchmarkQRCode(b *testing.B) {
	text := strings.Repeat("eyJhbGciOiJFZERTQSJ9.", 20)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := qrPNG(text); err != nil {
			b.Fatal(err)
		}
	}
}
