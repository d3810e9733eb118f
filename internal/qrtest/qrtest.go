// Package qrtest reads QR codes back in tests, as a gate's scanner would.
package qrtest

import (
	"bytes"
	"image/png"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// Scan returns the text of the QR code in a PNG, failing the test if there is none.
func Scan(t testing.TB, raw []byte) string {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	// A drawn code is read as one (PURE_BARCODE: its modules from the image's own grid); the
	// finder-pattern search a camera needs is the fallback. gozxing's search alone missed some
	// drawn codes of random credentials (adapters/httpapi TestAQRCodeTheFinderSearchMissesScans), which once failed CI.
	var errs []error
	for _, hints := range []map[gozxing.DecodeHintType]any{
		{gozxing.DecodeHintType_PURE_BARCODE: true},
		{gozxing.DecodeHintType_TRY_HARDER: true},
	} {
		res, err := qrcode.NewQRCodeReader().Decode(bmp, hints)
		if err == nil {
			return res.GetText()
		}
		errs = append(errs, err)
	}
	t.Fatalf("no QR code in the image: %v", errs)
	return ""
}
