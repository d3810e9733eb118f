package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	"github.com/boxoffice/boxoffice/adapters/internal/strictjson"
	"github.com/danielgtaylor/huma/v2"
)

// jsonFormat is huma's JSON format read strictly, with decoding errors in the API's words: a
// client learns what is wrong with its body, not how the Go decoder failed.
var jsonFormat = huma.Format{
	Marshal:   huma.DefaultJSONFormat.Marshal,
	Unmarshal: decodeJSON,
}

// decodeJSON decodes a request body into v exactly as sent. A name twice in one object is
// refused (Go's decoder keeps the last, so a body could mean two things). Numbers are read
// from their decimal text, never through floating point: a whole number written with a
// fraction or an exponent (7.0, 7e0, 0.7e1) is an integer to JSON Schema, and so to the
// OpenAPI document, and decodes as that integer; any other (9999999.9999999999, 1e-1) is no
// integer, whatever float64 it rounds to. huma decodes each body twice, into `any` to
// validate it and then into the operation's input; both see the same reading.
func decodeJSON(data []byte, v any) error {
	if !json.Valid(data) {
		return inAPIWords(json.Unmarshal(data, new(any)))
	}
	doc, err := strictjson.Read(data, "body")
	var twice *strictjson.DuplicateError
	if errors.As(err, &twice) {
		return &bodyFieldError{location: twice.Location, reason: twice.Error()}
	}
	if err != nil {
		return err
	}
	if tree, ok := v.(*any); ok {
		*tree = strictjson.MapNumbers(doc, strictjson.Number.ForValidation)
		return nil
	}
	exact, err := json.Marshal(strictjson.MapNumbers(doc, strictjson.Number.ForDecoding))
	if err != nil {
		return inAPIWords(err)
	}
	err = json.Unmarshal(exact, v)
	if past := outOfRange(err); past != nil {
		return past
	}
	return inAPIWords(err)
}

// outOfRange is the refusal, at its field, of a whole number past an int64, which only a field
// without a maximum of its own lets through validation (draw_seed); nil for any other error.
func outOfRange(err error) error {
	var typeErr *json.UnmarshalTypeError
	if !errors.As(err, &typeErr) || !isInteger(typeErr.Type.Kind()) || !strings.HasPrefix(typeErr.Value, "number") || typeErr.Field == "" {
		return nil
	}
	bound := "at most 9223372036854775807"
	if strings.HasPrefix(typeErr.Value, "number -") {
		bound = "at least -9223372036854775808"
	}
	return &bodyFieldError{location: "body." + typeErr.Field, reason: "expected number " + bound + ", the range of a 64-bit integer"}
}

// bodyFieldError is a body refused at one of its fields while it is decoded. huma reports any
// decoding error at "body" with the error's text, so the text carries the field's location,
// quoted, and newProblem puts it back where it belongs (relocated).
type bodyFieldError struct{ location, reason string }

// bodyFieldPrefix begins the text of a bodyFieldError, before its quoted location.
const bodyFieldPrefix = "body field "

func (e *bodyFieldError) Error() string {
	return bodyFieldPrefix + strconv.Quote(e.location) + ": " + e.reason
}

// relocated is huma's detail of a decoding error at the field a bodyFieldError named, or d.
func relocated(d *huma.ErrorDetail) *huma.ErrorDetail {
	rest, ok := strings.CutPrefix(d.Message, bodyFieldPrefix)
	if d.Location != "body" || !ok {
		return d
	}
	quoted, err := strconv.QuotedPrefix(rest)
	if err != nil {
		return d
	}
	location, _ := strconv.Unquote(quoted)
	reason, _ := strings.CutPrefix(rest[len(quoted):], ": ")
	return &huma.ErrorDetail{Location: location, Message: reason}
}

// inAPIWords restates a decoding error as what is wrong with the body.
func inAPIWords(err error) error {
	var (
		syntax  *json.SyntaxError
		typeErr *json.UnmarshalTypeError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &syntax):
		return fmt.Errorf("the body is not valid JSON: unexpected input at byte %d", syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("the body is not valid JSON: it ends before the JSON value does")
	case errors.As(err, &typeErr):
		what := "the body"
		if typeErr.Field != "" {
			what = typeErr.Field
		}
		return fmt.Errorf("%s must be %s, not %s", what, jsonKind(typeErr.Type.Kind()), jsonValue(typeErr.Value))
	}
	return errors.New("the body is not valid JSON")
}

// jsonValue names the kind of JSON value the decoder found ("number 7.5" is a number).
func jsonValue(v string) string {
	v, _, _ = strings.Cut(v, " ")
	switch v {
	case "array", "object":
		return "an " + v
	case "bool":
		return "true or false"
	case "number", "string":
		return "a " + v
	}
	return "a " + v + " value"
}

// jsonKind names what a Go kind is in JSON.
func jsonKind(k reflect.Kind) string {
	switch {
	case isInteger(k):
		return "a whole number"
	case k == reflect.Float32 || k == reflect.Float64:
		return "a number"
	case k == reflect.String:
		return "a string"
	case k == reflect.Bool:
		return "true or false"
	case k == reflect.Slice || k == reflect.Array:
		return "an array"
	}
	return "an object"
}

func isInteger(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}
