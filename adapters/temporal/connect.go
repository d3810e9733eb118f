package temporal

import (
	"context"
	"fmt"
	"log/slog"

	enumspb "go.temporal.io/api/enums/v1"
	operatorpb "go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/log"

	"github.com/boxoffice/boxoffice/workflows/reservation"
)

// Observed is what watches a client: the SDK records its metrics on Metrics (nil: nowhere),
// and Interceptors (tracing) see its calls and its workers' workflows and activities.
type Observed struct {
	Metrics      client.MetricsHandler
	Interceptors []interceptor.ClientInterceptor
}

// Dial connects to a Temporal frontend and checks that it answers.
func Dial(ctx context.Context, address, namespace string, logger *slog.Logger, o Observed) (client.Client, error) {
	c, err := client.DialContext(ctx, client.Options{
		HostPort: address, Namespace: namespace, Logger: log.NewStructuredLogger(logger), MetricsHandler: o.Metrics, Interceptors: o.Interceptors,
	})
	if err != nil {
		return nil, fmt.Errorf("connect to Temporal at %s (namespace %s): %w", address, namespace, err)
	}
	return c, nil
}

// Ping reports whether the Temporal frontend answers (readiness).
func Ping(ctx context.Context, c client.Client) error {
	_, err := c.CheckHealth(ctx, &client.CheckHealthRequest{})
	return err
}

// SearchAttributeTypes are the search attributes the workflows set, by name, with their types:
// what a namespace needs registered before they run.
func SearchAttributeTypes() map[string]enumspb.IndexedValueType {
	out := map[string]enumspb.IndexedValueType{}
	for key := range reservation.SearchAttributes().GetUntypedValues() {
		out[key.GetName()] = key.GetValueType()
	}
	return out
}

// EnsureSearchAttributes registers the search attributes the workflows set, if the namespace
// lacks them; a namespace that has them is left alone.
func EnsureSearchAttributes(ctx context.Context, c client.Client, namespace string) error {
	have, err := c.OperatorService().ListSearchAttributes(ctx, &operatorpb.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("list search attributes: %w", err)
	}
	missing := &operatorpb.AddSearchAttributesRequest{Namespace: namespace, SearchAttributes: map[string]enumspb.IndexedValueType{}}
	for name, kind := range SearchAttributeTypes() {
		if _, ok := have.CustomAttributes[name]; !ok {
			missing.SearchAttributes[name] = kind
		}
	}
	if len(missing.SearchAttributes) == 0 {
		return nil
	}
	if _, err := c.OperatorService().AddSearchAttributes(ctx, missing); err != nil {
		return fmt.Errorf("register search attributes: %w", err)
	}
	return nil
}
