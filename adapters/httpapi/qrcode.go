package httpapi

import (
	"bytes"
	"fmt"

	"github.com/yeqown/go-qrcode/v2"
	"github.com/yeqown/go-qrcode/writer/standard"
)

// qrModulePixels is the side of one QR module in the PNG: a credential's code comes out at
// about 500 pixels square, sharp on a phone and easy for a gate's scanner.
const qrModulePixels = 6

// qrPNG draws text as a QR code, PNG-encoded, with medium error correction (15% of the code
// may be unreadable: a cracked screen, a glare).
func qrPNG(text string) ([]byte, error) {
	code, err := qrcode.NewWith(text, qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionMedium))
	if err != nil {
		return nil, fmt.Errorf("encode QR code: %w", err)
	}
	var buf bytes.Buffer
	w := standard.NewWithWriter(nopCloser{&buf}, standard.WithBuiltinImageEncoder(standard.PNG_FORMAT), standard.WithQRWidth(qrModulePixels))
	if err := code.Save(w); err != nil {
		return nil, fmt.Errorf("draw QR code: %w", err)
	}
	return buf.Bytes(), nil
}

type nopCloser struct{ *bytes.Buffer }

func (nopCloser) Close() error { return nil }
