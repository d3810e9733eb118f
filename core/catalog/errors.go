package catalog

import "github.com/boxoffice/boxoffice/core"

// The catalog's errors.
var (
	ErrUnknownDate = core.Classed(core.ErrInvalid, "no performance on that date")
	ErrUnknownSeat = core.Classed(core.ErrInvalid, "no such seat on that date")
)
