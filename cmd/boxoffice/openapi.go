package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/boxoffice/boxoffice/adapters/httpapi"
)

// runOpenAPI prints the OpenAPI document generated from the API's code, or writes it to --out.
func runOpenAPI(args []string) error {
	fs := flag.NewFlagSet("boxoffice openapi", flag.ContinueOnError)
	out := fs.String("out", "", "write to this file instead of standard output")
	if err := fs.Parse(args); err != nil {
		return err
	}
	_, api := httpapi.New(httpapi.Deps{})
	doc, err := api.OpenAPI().YAML()
	if err != nil {
		return fmt.Errorf("render OpenAPI document: %w", err)
	}
	if *out == "" {
		_, err = os.Stdout.Write(doc)
		return err
	}
	return os.WriteFile(*out, doc, 0o644)
}
