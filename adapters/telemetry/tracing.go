package telemetry

import (
	"context"
	"net/http"
	"os"

	"github.com/jackc/pgx/v5"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/sdk/contrib/opentelemetry"
	"go.temporal.io/sdk/interceptor"
)

// Tracing exports OpenTelemetry traces over OTLP (HTTP): from each API request through the
// Temporal client, the workflow and its activities (the SDK's tracing interceptor carries the
// context across) to each database query.
type Tracing struct {
	provider *sdktrace.TracerProvider
	tracer   trace.Tracer
}

// TracingConfigured reports whether the environment names an OTLP endpoint for traces.
func TracingConfigured() bool {
	return os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// StartTracing starts exporting to the endpoint OTEL_EXPORTER_OTLP_ENDPOINT names (the
// exporter reads the OTEL_EXPORTER_OTLP_* settings itself), as service (a role: api, worker).
func StartTracing(ctx context.Context, service string) (*Tracing, error) {
	exporter, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, err
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(semconv.ServiceName("boxoffice"), attribute.String("boxoffice.role", service)))
	if err != nil {
		return nil, err
	}
	provider := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter), sdktrace.WithResource(res))
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	return &Tracing{provider: provider, tracer: provider.Tracer("github.com/boxoffice/boxoffice")}, nil
}

// HTTP traces each request of next, continuing a trace the caller's traceparent header began;
// the span is named by the route template once the router has matched it.
func (t *Tracing) HTTP(next http.Handler) http.Handler {
	return otelhttp.NewHandler(next, "boxoffice", otelhttp.WithTracerProvider(t.provider),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method + " " + r.URL.Path }))
}

// Temporal is the interceptor that traces the Temporal client's calls, and the workflows and
// activities of the workers built on that client.
func (t *Tracing) Temporal() (interceptor.ClientInterceptor, error) {
	return opentelemetry.NewTracingInterceptor(opentelemetry.TracerOptions{Tracer: t.provider.Tracer("temporal-sdk-go")})
}

// Database traces each query of a pgx connection.
func (t *Tracing) Database() pgx.QueryTracer { return queryTracer{t.tracer} }

// Shutdown sends what is still buffered and stops.
func (t *Tracing) Shutdown(ctx context.Context) error { return t.provider.Shutdown(ctx) }

type queryTracer struct{ tracer trace.Tracer }

func (q queryTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	ctx, _ = q.tracer.Start(ctx, "postgres query", trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(semconv.DBSystemNamePostgreSQL, semconv.DBQueryText(data.SQL)))
	return ctx
}

func (q queryTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	span := trace.SpanFromContext(ctx)
	if data.Err != nil {
		span.RecordError(data.Err)
		span.SetStatus(codes.Error, data.Err.Error())
	}
	span.End()
}
